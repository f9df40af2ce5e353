'use strict';

/** Prices an order: the sum of its lines, in cents. */
function orderTotal(lines) {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

module.exports = { orderTotal };

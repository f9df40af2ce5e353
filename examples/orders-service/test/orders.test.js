'use strict';
const assert = require('node:assert/strict');
const { orderTotal } = require('../src/orders');

assert.equal(orderTotal([]), 0);
assert.equal(orderTotal([{ quantity: 2, unitPriceCents: 450 }, { quantity: 1, unitPriceCents: 100 }]), 1000);
console.log('\u001b[32m✔\u001b[0m orders: 2 checks passed');

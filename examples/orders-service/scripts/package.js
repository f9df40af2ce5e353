'use strict';
// Stands in for a real build: bundles the sources into build/ and says what it made.
const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
mkdirSync('build', { recursive: true });
const source = readFileSync('src/orders.js', 'utf8');
writeFileSync('build/orders.js', source);
console.log(`packaged orders.js (${source.length} bytes) for stage ${process.env.STAGE}`);

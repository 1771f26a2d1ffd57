#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources through tsx, so the CLI, the worker and `npm start` always run the code as checked out.
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(`imply-runbooks: ${error && error.message ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

#!/usr/bin/env node
// Prints a signed token for the local platform: `npm run token -- <subject> <role> [ttl-seconds]`.
// It signs with AUTH_TOKEN_SECRET, or else the local secret that scripts/start.sh created.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { issueToken, ROLES } = require('../dist/libs/auth/src');

const [subject, role, ttl = '3600'] = process.argv.slice(2);
if (!subject || !ROLES.includes(role)) {
  console.error(`usage: npm run token -- <subject> <${ROLES.join('|')}> [ttl-seconds]`);
  process.exit(64);
}
const secretFile = join(__dirname, '..', 'var', 'local', 'auth-token-secret');
let secret = process.env.AUTH_TOKEN_SECRET;
try {
  secret ||= readFileSync(secretFile, 'utf8').trim();
} catch {
  console.error(`no AUTH_TOKEN_SECRET and no ${secretFile}: start the platform once with npm start`);
  process.exit(66);
}
issueToken({ secret, subject, roles: [role], ttlSeconds: Number(ttl) }).then(
  (token) => console.log(token),
  (error) => {
    console.error(error.message);
    process.exit(1);
  },
);

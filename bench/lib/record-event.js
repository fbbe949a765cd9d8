'use strict';
// What bench observers read off a topic: the event a record carries, decoded WITHOUT checking its
// signature (the sidecars check; an observer only needs the revocation id and times).

/**
 * The event in a record value: a compact JWS (its payload is the event) or a batch-signed record
 * `<batch JWS>~<event, base64url>~<index>~<proof>` (contracts' batch-signed-event.ts). Throws on
 * anything else.
 * @param {Buffer} value
 */
function eventOfRecord(value) {
  const text = value.toString('latin1');
  const encoded = text.includes('~') ? text.split('~')[1] : text.split('.')[1];
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
}

module.exports = { eventOfRecord };

// The proof of work the server asks for once a client nears its comment limit
// (consultation/abuse.py): find decimal digits `solution` such that
// SHA-256(token + ":" + solution) starts with `difficulty` zero bits (the text as UTF-8, as
// the server hashes it; tokens are ASCII).
//
// SHA-256 is the vendored @noble/hashes (static/vendor/noble-hashes, see
// scripts/vendor-js.sh), not the browser's crypto.subtle, even on https pages where it exists:
// digest() is asynchronous, one promise per hash, which costs more than hashing the ~150
// bytes of a challenge. Measured in headless Chromium on the project's 2-core machine
// (65,536 hashes, the expected work at difficulty 16, on a secure localhost page): noble with
// the token's state computed once ~140,000 hashes/s; crypto.subtle.digest() ~80,000/s
// awaited one by one and ~70,000/s in batches of 4,000 (the hand-written SHA-256 this
// replaced: ~65,000-115,000/s).
// The work is done in slices that give the page back to the browser between them, so the
// form stays responsive.

import { sha256 } from "../vendor/noble-hashes/sha2.js";

const SLICE = 4000; // hashes between two breaks for the browser
const encoder = new TextEncoder();

// SHA-256 of a string; returns the eight 32-bit words of the digest.
export function sha256Words(text) {
  const digest = sha256(encoder.encode(text));
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4));
}

// The number of zero bits a digest (bytes) starts with.
export function leadingZeroBits(digest) {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

// Resolves to the solution (a string of digits) of { token, difficulty }.
export async function solveChallenge({ token, difficulty }, { signal } = {}) {
  // The hash state after "token:" is the same for every try: compute it once, copy it per try.
  const prefix = sha256.create().update(encoder.encode(`${token}:`));
  for (let counter = 0; ; counter++) {
    const digest = prefix.clone().update(encoder.encode(String(counter))).digest();
    if (leadingZeroBits(digest) >= difficulty) return String(counter);
    if (counter % SLICE === SLICE - 1) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    }
  }
}

// The wallet marks (www/frame/marks.js): one per wallet kind, each different, inline SVG hidden
// from assistive technology, with no style attribute, no handler, no reference to fetch; a kind
// the table does not hold, even one named like an Object property, gets the neutral card.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CARD, mark } from "../../www/frame/marks.js";

const KINDS = ["walletpush/1", "google", "apple", "token-connect"];

test("each wallet kind has its own mark; Google's is the neutral card", () => {
  const marks = KINDS.map(mark);
  assert.equal(new Set(marks).size, KINDS.length, "four kinds, four marks");
  assert.ok(mark("google").includes(CARD));
  for (const kind of ["walletpush/1", "apple", "token-connect"]) assert.ok(!mark(kind).includes(CARD), kind);
});

test("a mark is inline SVG, hidden from assistive technology, with nothing inline but shapes", () => {
  for (const markup of KINDS.map(mark)) {
    assert.match(markup, /^<svg class="mark" viewBox="0 0 24 24" aria-hidden="true">(<(rect|path)( [a-z-]+="[\w .#-]+")+\/>)+<\/svg>$/);
    assert.doesNotMatch(markup, /style|href|on\w+=|url\(|<script/i);
  }
});

test("an unknown kind, or one named like an Object property, gets the card", () => {
  for (const kind of ["unknown", "constructor", "__proto__", "toString", "hasOwnProperty", ""]) {
    assert.equal(mark(kind), mark("google"), kind);
  }
});

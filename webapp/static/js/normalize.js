/* The place-name normaliser of the map search and the report form's area field:
   window.AHYA_NORMALIZE(text) gives the key geo/reference/search.py's normalize() gives; keep the two in
   step (tests/browser/test_normalize.py runs both on the same names). NFKD, lower case, no marks
   (tashkeel, niqqud, accents, the hamza of أ إ آ ؤ ئ) and no format characters (bidi marks,
   zero-width joiners, soft hyphens), Arabic letter variants folded, no apostrophes, and runs of
   Unicode white space or punctuation as one space. */
(function () {
  "use strict";
  var FOLD = { "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي", "ـ": "" };
  /* Unicode's White_Space list spelled out, as geo/reference/search.py has it (JS and Python \s differ). */
  var SEPARATORS = /[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\-_.,;:()"\/]+/g;

  window.AHYA_NORMALIZE = function (text) {
    var s = String(text || "").normalize("NFKD").toLowerCase().replace(/[\p{M}\p{Cf}]/gu, "");
    s = s.replace(/[أإآٱةىؤئـ]/g, function (c) { return FOLD[c]; });
    s = s.replace(/['’‘`ʿʾ]/g, "");
    return s.replace(SEPARATORS, " ").replace(/^ +| +$/g, "");
  };
})();

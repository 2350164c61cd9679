/// The one sanitiser for user-controlled text on its way to a terminal, a log or a screen cell.
///
/// Scene titles, captions, variant names, file names, data labels and error messages that quote
/// them can hold escape sequences (an OSC 52 clipboard write, a screen clear, a title change).
/// Every such text passes through `printable` before it is printed or drawn: C0 controls
/// (including ESC, BEL, CR), DEL, C1 controls, and the invisible format characters that can
/// disguise text (zero-width space, byte-order mark, bidirectional overrides and isolates)
/// each become `?`, so the reader sees that something was there and nothing acts on the
/// terminal. With `keepingLineBreaks`, `\n` (and `\r\n`, which becomes `\n`) is kept and
/// `\t` becomes a space.
public func printable(_ s: some StringProtocol, keepingLineBreaks: Bool = false) -> String {
  var out = String.UnicodeScalarView()
  var previousCR = false
  for u in s.unicodeScalars {
    let v = u.value
    defer { previousCR = v == 0x0D }
    if keepingLineBreaks {
      if v == 0x0A {
        if previousCR { out.removeLast() }  // "\r\n" → "\n"
        out.append(u)
        continue
      }
      if v == 0x09 {
        out.append(" ")
        continue
      }
    }
    out.append(isUnprintable(v) ? "?" : u)
  }
  return String(out)
}

/// True for the scalars `printable` replaces: C0 controls, DEL, C1 controls, zero-width space,
/// the byte-order mark and bidirectional embedding, override and isolate characters.
@inlinable public func isUnprintable(_ v: UInt32) -> Bool {
  v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) || v == 0x200B || v == 0xFEFF
    || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
}

/// At most `limit` characters of `s`, made printable, with "…" and the number of characters
/// left out when it was longer: diagnostics quote user input, and a 100 MB line must not be
/// echoed whole.
public func excerpt(_ s: some StringProtocol, limit: Int = 80) -> String {
  var n = 0
  var end = s.startIndex
  while end < s.endIndex, n < limit {
    end = s.index(after: end)
    n += 1
  }
  if end == s.endIndex { return printable(s) }
  let rest = s.utf8.count - s[..<end].utf8.count
  return printable(s[..<end]) + "… (\(rest) more bytes)"
}

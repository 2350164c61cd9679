/// JSON text for the files NormScope writes (metrics, sweep logs, asciicasts).
public enum JSONText {
  /// `s` as a JSON string literal: quotes and backslashes escaped, `\n`, `\r`, `\t` by name,
  /// every other control character (and DEL) as `\uXXXX`.
  public static func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      default:
        if u.value < 0x20 || u.value == 0x7F {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}

import ArgumentParser
import Foundation
import NormSupport

// The output choke point. Everything this program writes to standard output or standard error
// that can hold user-controlled text (scene titles, captions, variant names, file names, data
// labels, error messages quoting any of them) goes through `printable` from NormSupport, so no
// escape sequence from an input file can reach the terminal:
// - `print(...)` in this module is the function below (it shadows `Swift.print`);
// - `print(..., to: &err)` writes through `StandardError`, which sanitises;
// - ArgumentParser's own messages (validation errors quote flag values) are printed by
//   `NormScope.main()` through the same path.
// The one deliberate exception is `shot --format ansi` to standard output, whose escape
// sequences are NormScope's own colours around cell text that was sanitised when drawn.

/// `Swift.print`, with the text made printable (line breaks kept, tabs become spaces).
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  let text = items.map { "\($0)" }.joined(separator: separator) + terminator
  Swift.print(printable(text, keepingLineBreaks: true), terminator: "")
}

/// `Swift.print` to a stream (`StandardError` sanitises what it is given).
func print<Target: TextOutputStream>(
  _ items: Any..., separator: String = " ", terminator: String = "\n", to output: inout Target
) {
  let text = items.map { "\($0)" }.joined(separator: separator) + terminator
  Swift.print(text, terminator: "", to: &output)
}

/// Standard error as a text stream; what is written is made printable first.
struct StandardError: TextOutputStream {
  mutating func write(_ string: String) {
    fflush(nil)  // keep the order of interleaved stdout and stderr lines
    FileHandle.standardError.write(Data(printable(string, keepingLineBreaks: true).utf8))
  }
}

extension NormScope {
  /// Parses and runs the command like ArgumentParser's default, but every message
  /// (including ArgumentParser's own, which quote flag values) is printed through the
  /// sanitising streams above.
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      let message = fullMessage(for: error)
      if !message.isEmpty {
        if code == .success {
          print(message)
        } else {
          var err = StandardError()
          Swift.print(message, to: &err)
        }
      }
      fflush(nil)
      Glibc.exit(code.rawValue)
    }
  }
}

import ArgumentParser
import NormApp
import NormCore
import NormLab
import NormView

/// The options that take one of a fixed set of values. Each list comes from the type that
/// parses the value, and gives the option its help sentence and its shell completion, so the
/// help, the completion scripts, the man page and the check in `validate()` never disagree.
/// `CommandLineHelpTests` checks every such option's help names every value.
enum Choices {
  static let glyphs = GlyphSet.allCases.map(\.rawValue)
  static let colors = ColorMode.allCases.map(\.rawValue)
  static let optimizers = OptimizerSettings.Kind.allCases.map(\.rawValue)
  static let losses = LossKind.allCases.map(\.rawValue)
  static let formats = ScreenshotFormat.allCases.map(\.rawValue)
  static let panels = PanelKind.names
  static let inferenceModes = Mode.allCases.map(\.rawValue)
  static let freeze = ["norm"]
  /// `--init`: the named schemes, then `normal:STD` (a standard deviation follows the colon).
  static let initSchemes = ["pytorch", "kaiming", "xavier", "normal:STD"]
  static let speeds = LabThread.speeds.map(String.init)

  /// "a, b or c".
  static func sentence(_ values: [String]) -> String {
    values.count < 2 ? values.joined() : values.dropLast().joined(separator: ", ") + " or " + values.last!
  }

  /// Help for an option with a fixed set of values: `lead` ends in a colon and the values
  /// follow it, then `tail` (defaults, notes).
  static func help(_ lead: String, _ values: [String], _ tail: String = "", valueName: String? = nil) -> ArgumentHelp {
    ArgumentHelp(lead + " " + sentence(values) + (tail.isEmpty ? "." : " " + tail), valueName: valueName)
  }

  /// Shell completion for the values (`normal:STD` completes as `normal:`).
  static func completion(_ values: [String]) -> CompletionKind {
    .list(values.map { $0.hasSuffix(":STD") ? String($0.dropLast(3)) : $0 })
  }
}

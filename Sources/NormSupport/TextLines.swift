extension Character {
  /// A line break as NormScope's text readers see it: `\n`, or `\r\n` (one `Character` to
  /// Swift). A lone `\r` is not one; readers treat it as blank space.
  @inlinable public var isLineBreak: Bool { self == "\n" || self == "\r\n" }
}

extension StringProtocol {
  /// The lines of a text file, split at `\n` and at `\r\n`.
  ///
  /// Swift treats `\r\n` as one `Character`, so `split(separator: "\n")` does not split a file
  /// written with Windows line endings at all: the whole file comes back as one line. Every
  /// line-oriented reader here (scenes, CSV) splits with this instead. A lone `\r` is not a line
  /// break; readers treat it as blank space.
  public func textLines() -> [SubSequence] {
    split(omittingEmptySubsequences: false, whereSeparator: \.isLineBreak)
  }
}

extension StringProtocol {
  /// The lines of a text file, split at `\n` and at `\r\n`.
  ///
  /// Swift treats `\r\n` as one `Character`, so `split(separator: "\n")` does not split a file
  /// written with Windows line endings at all: the whole file comes back as one line. Every
  /// line-oriented reader here (scenes, CSV) splits with this instead. A lone `\r` is not a line
  /// break; readers treat it as blank space.
  public func textLines() -> [SubSequence] {
    split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
  }
}

import NormSupport
import Testing

@Suite("Tokens and the option reader")
struct OptionReaderTests {
  func tokens(_ line: String) -> [Token] { Token.split(line) }

  /// The error `body` throws, or nil.
  func failure(_ body: () throws(OptionError) -> Void) -> OptionError? {
    do {
      try body()
      return nil
    } catch { return error }
  }

  @Test("tokens carry 1-based columns and end columns")
  func splitting() {
    let t = tokens("  conv 8\tk=3  p=1 ")
    #expect(t.map(\.text) == ["conv", "8", "k=3", "p=1"])
    #expect(t.map(\.column) == [3, 8, 10, 15])
    #expect(t.map(\.endColumn) == [7, 9, 13, 18])
    #expect(Token.split("a,,b, c", column: 5, at: { $0 == "," }).map(\.description) == ["a@5", "b@8", " c@10"])
    #expect(Token.split("").isEmpty && Token.split("   ").isEmpty)
    // A quoted token is wider than its text.
    #expect(Token("ab", column: 3, width: 4).endColumn == 7)
  }

  @Test("trimming and key=value keep exact columns")
  func parts() throws {
    #expect(Token(",,bn,", column: 10).trimming { $0 == "," } == Token("bn", column: 12))
    let kv = try #require(Token("momentum=0.9", column: 23).keyValue)
    #expect(kv.key == Token("momentum", column: 23) && kv.value == Token("0.9", column: 32))
    #expect(Token("a==b", column: 1).keyValue?.value == Token("=b", column: 3))
    #expect(Token("k=", column: 4).keyValue?.value == Token("", column: 6))
    #expect(Token("nesterov", column: 1).keyValue == nil)
  }

  @Test("positional tokens and options, typed values, aliases and defaults")
  func reading() throws {
    var r = try OptionReader(tokens("conv 8 K=5 bias=off noise=0.5"), name: "conv", lowercaseKeys: true)
    #expect(r.positional.map(\.text) == ["conv", "8"])
    #expect(try OptionReader.int(r.positional[1], name: "channels", in: 1...16) == 8)
    #expect(try r.int(["kernel", "k"], default: 3, in: 1...31) == 5)
    #expect(try r.int("stride", default: 1, in: 1...31) == 1)
    #expect(try r.bool("bias", default: true) == false)
    #expect(try r.float("noise", default: 0) == 0.5)
    #expect(r.string("norm", default: "none", column: 1) == Token("none", column: 1))
    try r.finish(positionalCount: 2)
    #expect(r.known == ["kernel", "k", "stride", "bias", "noise", "norm"])
  }

  @Test(
    "every error carries the column of the offending token or value",
    arguments: [
      // line, column, message (reading n, ratio, on; at most one positional)
      ("x =1", 3, "expected key=value, found '=1'"),
      ("x n=", 5, "missing value after 'n='"),
      ("x n=1 ratio=2 n=3", 15, "option 'n' given twice"),
      ("x n=0", 5, "n must be a whole number in 1...9, got '0'"),
      ("x n=1.5", 5, "n must be a whole number in 1...9, got '1.5'"),
      ("x ratio=-1", 9, "ratio must be a number ≥ 0, got '-1'"),
      ("x ratio=nan", 9, "ratio must be a number ≥ 0, got 'nan'"),
      ("x on=maybe", 6, "on must be true or false, got 'maybe'"),
      ("x y", 3, "unexpected extra argument 'y'"),
      ("x rati=2", 3, "thing has no option 'rati' (did you mean ratio?)"),
      ("x n=2 zzz=1 colour=2", 7, "thing has no option 'zzz'"),
    ])
  func errors(line: String, column: Int, message: String) {
    let e = failure { () throws(OptionError) in
      var r = try OptionReader(tokens(line), name: "thing")
      _ = try r.int("n", default: 1, in: 1...9)
      _ = try r.float("ratio", default: 0)
      _ = try r.bool("on", default: false)
      try r.finish(positionalCount: 1)
    }
    #expect(e == OptionError(column: column, message: message), "\(line)")
  }

  @Test("positional rules: before the options, none at all, and a keyword that takes no number")
  func positionalRules() {
    #expect(
      failure { () throws(OptionError) in _ = try OptionReader(tokens("a=1 7"), name: "x", positionalFirst: true) }
        == OptionError(column: 5, message: "'7' must come before the key=value options"))
    #expect(
      failure { () throws(OptionError) in _ = try OptionReader(tokens("a=1 7"), name: "x", allowsPositional: false) }
        == OptionError(column: 5, message: "expected key=value, found '7'"))
    #expect(
      failure { () throws(OptionError) in try OptionReader(tokens("3"), name: "relu").finish(positionalCount: 0) }
        == OptionError(column: 1, message: "relu takes no number; found '3'"))
    // Keys are case-sensitive unless asked; a lowercased duplicate is still a duplicate.
    #expect(
      failure { () throws(OptionError) in _ = try OptionReader(tokens("Eps=1 eps=2"), name: "x", lowercaseKeys: true) }
        == OptionError(column: 7, message: "option 'eps' given twice"))
    #expect(failure { () throws(OptionError) in _ = try OptionReader(tokens("Eps=1 eps=2"), name: "x") } == nil)
  }

  @Test("declared flags are hint candidates; unknownOption names the first unknown key as written")
  func unknown() throws {
    var r = try OptionReader(tokens("nesterov momentum=0.9 nestrov=1 wd=3"), name: "optimizer")
    r.declare("momentum", "nesterov")
    #expect(r.value("momentum")?.column == 19)
    #expect(r.unknownOption()?.key == Token("nestrov", column: 23))
    #expect(r.hint(for: "nestrov") == " (did you mean nesterov?)")
    #expect(r.options.last?.token == Token("wd=3", column: 33))
    #expect(
      failure { () throws(OptionError) in try r.finish() }
        == OptionError(column: 23, message: "optimizer has no option 'nestrov' (did you mean nesterov?)"))
  }

  @Test("rendered like a compiler, with control characters shown as ?")
  func rendering() {
    let e = OptionError(column: 3, message: "bad \u{1B}x")
    #expect(e.rendered(source: "a b\u{7}", label: "m") == "m:1:3: error: bad ?x\n    a b?\n      ^")
    #expect(e.description == "column 3: bad \u{1B}x")
  }
}

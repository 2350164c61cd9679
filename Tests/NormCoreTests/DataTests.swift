import NormCore
import Testing

@Suite("Data sets and loaders")
struct DataTests {
  func csvError(_ text: String) -> String? {
    do {
      _ = try DataLoader.parseCSV(Array(text.utf8), fileName: "d.csv")
      return nil
    } catch { return "\(error)" }
  }

  @Test func digitsAreTheUCISet() {
    let d = BuiltinData.digits()
    #expect(d.count == 1797)
    #expect(d.sampleShape == [1, 8, 8])
    #expect(d.classCount == 10)
    #expect(d.features.min() == 0 && d.features.max() == 1)
    // First sample of sklearn's load_digits() is a 0.
    #expect(d.labels[0] == 0)
    #expect(Array(d.features[0..<8]) == [0, 0, 5, 13, 9, 1, 0, 0].map { Float($0) / 16 })
    var counts = [Int](repeating: 0, count: 10)
    for l in d.labels { counts[Int(l)] += 1 }
    #expect(counts.min()! >= 174 && counts.max()! <= 183)
  }

  @Test("generators are deterministic per seed and differ across seeds", arguments: BuiltinData.names)
  func generators(name: String) throws {
    let a = try BuiltinData.make(name: name, seed: 5)
    let b = try BuiltinData.make(name: name, seed: 5)
    #expect(a == b)
    #expect(a.features.allSatisfy { $0.isFinite })
    #expect(Set(a.labels).count == a.classCount)
    if name != "digits" { #expect(try BuiltinData.make(name: name, seed: 6) != a) }
  }

  @Test func generatorParameters() throws {
    let s = try BuiltinData.make(name: "spirals", parameters: ["classes": "5", "n": "100"], seed: 1)
    #expect(s.classCount == 5 && s.count == 100)
    #expect(throws: NormError("spirals: unknown parameter 'colour'")) {
      try BuiltinData.make(name: "spirals", parameters: ["colour": "red"], seed: 1)
    }
    #expect(throws: NormError("spirals: classes must be a whole number in 2...16, got '1'")) {
      try BuiltinData.make(name: "spirals", parameters: ["classes": "1"], seed: 1)
    }
    #expect(throws: NormError("unknown data set 'spiral' (did you mean spirals?)")) {
      try BuiltinData.make(name: "spiral", seed: 1)
    }
  }

  @Test func csvParses() throws {
    let d = try DataLoader.parseCSV(Array("x,y,label\n# comment\n1,2,0\n3,4,1\n\n5,6.5,1\n".utf8), fileName: "d.csv")
    #expect(d.count == 3 && d.sampleShape == [2] && d.classCount == 2)
    #expect(d.features == [1, 2, 3, 4, 5, 6.5])
    let named = try DataLoader.parseCSV(Array("1,2,cat\n3,4,dog\n5,6,cat\n".utf8), fileName: "d.csv")
    #expect(named.classNames == ["cat", "dog"] && named.labels == [0, 1, 0])
    // Windows line endings: the same data, and errors still name the right line.
    let crlf = try DataLoader.parseCSV(Array("x,y,label\r\n1,2,0\r\n3,4,1\r\n5,6.5,1\r\n".utf8), fileName: "d.csv")
    #expect(crlf.count == 3 && crlf.features == [1, 2, 3, 4, 5, 6.5] && crlf.labels == [0, 1, 1])
    #expect(throws: NormError.self) { try DataLoader.parseCSV(Array("1,2,0\r\n3,x,1\r\n".utf8), fileName: "d.csv") }
    do {
      _ = try DataLoader.parseCSV(Array("1,2,0\r\n3,4,1\r\n3,x,1\r\n".utf8), fileName: "d.csv")
    } catch { #expect("\(error)".contains("d.csv:3:"), "\(error)") }
  }

  @Test(
    "CSV errors name the line (and column)",
    arguments: [
      ("", "d.csv: no data rows"),
      ("a,b,label\n", "d.csv: no data rows"),
      ("1,2,0\n3,0\n", "d.csv:2: expected 3 fields, found 2"),
      ("1,2,0\n3,x,1\n", "d.csv:2:3: 'x' is not a number"),
      ("1,2,0\n3,nan,1\n", "d.csv:2:3: 'nan' is not finite"),
      ("1,2,0\n3,4,\n", "d.csv:2:5: empty label"),
      ("1,2,0\n3,4,0\n", "d.csv: only one class in the labels; need at least 2"),
      ("1,2,-1\n3,4,0\n", "d.csv:1: label '-1' must be a whole number ≥ 0 or a class name"),
    ])
  func csvErrors(text: String, message: String) {
    #expect(csvError(text) == message)
  }

  func idx(_ n: Int, _ r: Int, _ c: Int, pixels: Int? = nil, magic: UInt8 = 3) -> [UInt8] {
    var b: [UInt8] = [0, 0, 8, magic]
    for v in [n, r, c] { b += [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    return b + [UInt8](repeating: 128, count: pixels ?? n * r * c)
  }
  func labels(_ ls: [UInt8], count: Int? = nil) -> [UInt8] {
    let n = count ?? ls.count
    return [0, 0, 8, 1, UInt8(n >> 24 & 255), UInt8(n >> 16 & 255), UInt8(n >> 8 & 255), UInt8(n & 255)] + ls
  }

  @Test func idxParses() throws {
    let d = try DataLoader.parseIDX(images: idx(3, 4, 5), labels: labels([0, 1, 2]), imagesName: "i", labelsName: "l")
    #expect(d.count == 3 && d.sampleShape == [1, 4, 5] && d.classCount == 3)
    #expect(abs(d.features[0] - 128 / 255) < 1e-7)
  }

  @Test func corruptIDX() {
    func err(_ images: [UInt8], _ ls: [UInt8]) -> String? {
      do {
        _ = try DataLoader.parseIDX(images: images, labels: ls, imagesName: "i", labelsName: "l")
        return nil
      } catch { return "\(error)" }
    }
    #expect(err(Array(idx(2, 2, 2).prefix(10)), labels([0, 1])) == "i: truncated IDX header (10 bytes, need 16)")
    #expect(err(idx(2, 2, 2, magic: 1), labels([0, 1]))?.hasPrefix("i: not an IDX image file") == true)
    #expect(err(idx(2, 2, 2, pixels: 7), labels([0, 1])) == "i: header says 2×2×2 = 8 pixels but the file has 7")
    // An absurd header must not allocate: rejected before any buffer is sized by it.
    #expect(
      err(idx(Int(Int32.max), 1024, 1024, pixels: 0), labels([0, 1])) == "i: 2147483647×1024×1024 values is too large")
    #expect(err(idx(2, 2000, 2, pixels: 0), labels([0, 1])) == "i: implausible dimensions 2×2000×2")
    #expect(err(idx(2, 2, 2), labels([0, 1, 1])) == "l: 3 labels for 2 images")
    #expect(err(idx(2, 2, 2), labels([0], count: 2)) == "l: header says 2 labels but the file has 1")
  }

  @Test func batchSamplerCoversEveryEpoch() {
    var s = BatchSampler(count: 10, seed: 1)
    var seen = [Int]()
    for _ in 0..<5 { seen += s.next(2) }
    #expect(Set(seen) == Set(0..<10))
    // Variable batch sizes; a batch never straddles epochs; oversize requests clamp.
    _ = s.next(7)
    let b = s.next(7)
    #expect(b.count == 7 && s.epoch == 2)
    #expect(s.next(50).count == 10)
  }

  @Test func splitIsDisjointAndSeeded() {
    let d = BuiltinData.digits()
    let (t, v) = d.split(validationFraction: 0.2, seed: 3)
    #expect(t.count + v.count == d.count)
    #expect(v.count == 359)
    #expect(d.split(validationFraction: 0.2, seed: 3).validation == v)
  }

  @Test func domainShift() throws {
    let pts = Dataset(name: "p", sampleShape: [2], features: [1, 0, 0, 2], labels: [0, 1], classCount: 2)
    let r = try DomainShift(rotation: 90).apply(to: pts, seed: 1)
    #expect(abs(r.features[0]) < 1e-6 && abs(r.features[1] - 1) < 1e-6)
    #expect(abs(r.features[2] + 2) < 1e-6)
    let s = try DomainShift(scale: 2, offset: 1).apply(to: pts, seed: 1)
    #expect(s.features == [3, 1, 1, 5])
    let img = BuiltinData.digits().subset([0])
    let rot = try DomainShift(rotation: 180).apply(to: img, seed: 1)
    // A 180° rotation of an 8×8 image about its centre reverses the pixel order.
    for i in 0..<64 { #expect(abs(rot.features[i] - img.features[63 - i]) < 1e-5) }
    let seq = try BuiltinData.make(name: "sequence", parameters: ["n": "4"], seed: 1)
    #expect(throws: NormError.self) { try DomainShift(rotation: 10).apply(to: seq, seed: 1) }
  }
}

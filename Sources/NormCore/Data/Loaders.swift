import NormSupport

/// Parsers for user data. They take the file's bytes (NormCore does no I/O) and report
/// problems as `file:line[:column]: message`. Sizes come from the data itself, never from an
/// unchecked header field.
public enum DataLoader {
  /// Largest number of values a loaded data set may hold (256 Mi floats = 1 GiB).
  public static let maxValues = 1 << 28

  /// Parses a CSV file of rows `feature₁,…,feature_d,label`.
  ///
  /// - A first line with any non-numeric field is a header and is skipped.
  /// - Blank lines and lines starting with `#` are ignored.
  /// - Lines end at `\n`, `\r\n` or a lone `\r` (old Mac files), so line numbers in errors are
  ///   the ones an editor shows for any of the three.
  /// - A UTF-8 byte-order mark at the start is skipped (it would otherwise make the first data
  ///   row look like a header).
  /// - Control characters other than tab, CR and LF (a NUL, an ESC, …) are an error at their
  ///   line and column, wherever they are: C's number parser stops at a NUL, so `1<NUL>5` would
  ///   otherwise read as 1.
  /// - Labels are whole numbers ≥ 0, or text: text labels become classes numbered in sorted
  ///   order (their names are kept).
  /// - Every row must have the same number of fields.
  /// - Features must be finite 32-bit floats: `inf`, `nan` and values beyond ±3.4e38 (which
  ///   would become infinite) are errors at their line and column, because one non-finite
  ///   input makes every loss and gradient NaN. Huge finite values such as `1e30` are accepted
  ///   as they are: they are legitimate (if unwise) data, and a network that diverges on them
  ///   shows the divergence.
  public static func parseCSV(_ bytes: [UInt8], fileName: String) throws -> Dataset {
    let text = try csvText(bytes, fileName: fileName)
    var width: Int? = nil
    var features = [Float]()
    var rawLabels = [String]()
    var sawHeader = false
    var lineNumber = 0
    var dataLines = [Int]()
    for line in csvLines(text) {
      lineNumber += 1
      let trimmed = line.trimmingSpaces
      if let (column, byte) = firstControlByte(line) {
        throw controlByteError(line, column: column, byte: byte, fileName: fileName, lineNumber: lineNumber)
      }
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      if width == nil && !sawHeader && features.isEmpty && rawLabels.isEmpty
        && fields.dropLast().contains(where: { Float($0.trimmingSpaces) == nil })
      {
        sawHeader = true
        width = fields.count
        continue
      }
      if width == nil { width = fields.count }
      guard fields.count == width else {
        throw NormError.invalidData("\(fileName):\(lineNumber): expected \(width!) fields, found \(fields.count)")
      }
      guard fields.count >= 2 else {
        throw NormError.invalidData("\(fileName):\(lineNumber): a row needs at least one feature and a label")
      }
      rawLabels.append(try csvRow(fields, into: &features, fileName: fileName, lineNumber: lineNumber))
      dataLines.append(lineNumber)
    }
    guard let width, !rawLabels.isEmpty else { throw NormError.invalidData("\(fileName): no data rows") }
    let (labels, names) = try csvLabels(rawLabels, dataLines: dataLines, fileName: fileName)
    let classes = Int(labels.max()!) + 1
    guard classes >= 2 else {
      throw NormError.invalidData("\(fileName): only one class in the labels; need at least 2")
    }
    return Dataset(
      name: fileName, sampleShape: [width - 1], features: features, labels: labels, classCount: classes,
      classNames: names)
  }

  /// The file's text: UTF-8, without a leading byte-order mark.
  static func csvText(_ bytes: [UInt8], fileName: String) throws -> String {
    let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
    guard let text = String(validating: hasBOM ? bytes[3...] : bytes[...], as: UTF8.self) else {
      throw NormError.invalidData("\(fileName): not UTF-8 text")
    }
    return text
  }

  /// The error for a control byte at `column` of `line`: "not a number" in a feature field, else plain.
  static func controlByteError(_ line: Substring, column: Int, byte: UInt8, fileName: String, lineNumber: Int)
    -> NormError
  {
    let name = byte == 0 ? "NUL" : "0x" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
    // The field holding it: a feature field is "not a number", anything else is just text.
    var start = 1
    var index = 0
    while index < fields.count - 1 && start + fields[index].utf8.count < column {
      start += fields[index].utf8.count + 1
      index += 1
    }
    if !line.trimmingSpaces.hasPrefix("#") && index < fields.count - 1 {
      return NormError(
        "\(fileName):\(lineNumber):\(column): '\(excerpt(fields[index].trimmingSpaces))' is not a number: "
          + "it contains the control character \(name)")
    }
    return NormError(
      "\(fileName):\(lineNumber):\(column): the control character \(name) cannot appear in a CSV file")
  }

  /// Appends one data row's features (finite floats) to `features`; returns its label.
  static func csvRow(_ fields: [Substring], into features: inout [Float], fileName: String, lineNumber: Int) throws
    -> String
  {
    var column = 1
    for field in fields.dropLast() {
      let t = field.trimmingSpaces
      guard let v = Float(t) else {
        throw NormError.invalidData("\(fileName):\(lineNumber):\(column): '\(excerpt(t))' is not a number")
      }
      guard v.isFinite else {
        // "1e39" is a finite number too large for a Float; "inf" and "nan" are not numbers.
        if v.isInfinite, !t.lowercased().contains("inf") {
          throw NormError.invalidData(
            "\(fileName):\(lineNumber):\(column): '\(excerpt(t))' is too large (features must lie within ±3.4e38)")
        }
        throw NormError.invalidData("\(fileName):\(lineNumber):\(column): '\(excerpt(t))' is not finite")
      }
      features.append(v)
      column += field.utf8.count + 1
    }
    if features.count > maxValues {
      throw NormError.invalidData("\(fileName):\(lineNumber): more than \(maxValues) values")
    }
    let label = fields.last!.trimmingSpaces
    if label.isEmpty { throw NormError.invalidData("\(fileName):\(lineNumber):\(column): empty label") }
    return String(label)
  }

  /// Labels as classes: all whole numbers ≥ 0 as they are, or else names numbered in sorted order.
  static func csvLabels(_ rawLabels: [String], dataLines: [Int], fileName: String) throws
    -> (labels: [Int32], names: [String]?)
  {
    if rawLabels.allSatisfy({ Int($0).map { $0 >= 0 && $0 < 100_000 } ?? false }) {
      return (rawLabels.map { Int32($0)! }, nil)
    }
    if let bad = rawLabels.indices.first(where: { Int(rawLabels[$0]).map { $0 < 0 } ?? false }) {
      throw NormError.invalidData(
        "\(fileName):\(dataLines[bad]): label '\(rawLabels[bad])' must be a whole number ≥ 0 or a class name")
    }
    let unique = Array(Set(rawLabels)).sorted()
    let index = Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($1, Int32($0)) })
    return (rawLabels.map { index[$0]! }, unique)
  }

  /// Parses MNIST-style IDX files: images (magic 0x00000803, unsigned bytes, N×rows×cols)
  /// and labels (magic 0x00000801, N). Pixels are scaled to 0…1; samples have shape
  /// [1, rows, cols].
  public static func parseIDX(images: [UInt8], labels: [UInt8], imagesName: String, labelsName: String) throws
    -> Dataset
  {
    func be32(_ b: [UInt8], _ at: Int) -> Int {
      Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }
    guard images.count >= 16 else {
      throw NormError.invalidData("\(imagesName): truncated IDX header (\(images.count) bytes, need 16)")
    }
    guard be32(images, 0) == 0x0803 else {
      throw NormError.invalidData(
        "\(imagesName): not an IDX image file (magic 0x\(String(be32(images, 0), radix: 16)), expected 0x803)")
    }
    let n = be32(images, 4)
    let rows = be32(images, 8)
    let cols = be32(images, 12)
    guard n > 0, rows > 0, cols > 0, rows <= 1024, cols <= 1024 else {
      throw NormError.invalidData("\(imagesName): implausible dimensions \(n)×\(rows)×\(cols)")
    }
    let (total, overflow) = n.multipliedReportingOverflow(by: rows * cols)
    guard !overflow, total <= maxValues else {
      throw NormError.invalidData("\(imagesName): \(n)×\(rows)×\(cols) values is too large")
    }
    guard images.count == 16 + total else {
      throw NormError.invalidData(
        "\(imagesName): header says \(n)×\(rows)×\(cols) = \(total) pixels but the file has \(images.count - 16)")
    }
    guard labels.count >= 8 else {
      throw NormError.invalidData("\(labelsName): truncated IDX header (\(labels.count) bytes, need 8)")
    }
    guard be32(labels, 0) == 0x0801 else {
      throw NormError.invalidData(
        "\(labelsName): not an IDX label file (magic 0x\(String(be32(labels, 0), radix: 16)), expected 0x801)")
    }
    let nl = be32(labels, 4)
    guard nl == n else { throw NormError.invalidData("\(labelsName): \(nl) labels for \(n) images") }
    guard labels.count == 8 + n else {
      throw NormError.invalidData("\(labelsName): header says \(n) labels but the file has \(labels.count - 8)")
    }
    var f = [Float](repeating: 0, count: total)
    for i in 0..<total { f[i] = Float(images[16 + i]) / 255 }
    let l = labels[8...].map { Int32($0) }
    let classes = Int(l.max()!) + 1
    guard classes >= 2 else { throw NormError.invalidData("\(labelsName): only one class in the labels") }
    return Dataset(name: imagesName, sampleShape: [1, rows, cols], features: f, labels: l, classCount: classes)
  }
}

extension DataLoader {
  /// The lines of a CSV file: split at `\n`, at `\r\n` and at a lone `\r` (old Mac line
  /// endings), so every kind of file gets the line numbers an editor shows. (`textLines()`,
  /// which scenes use, keeps a lone `\r` as blank space.)
  static func csvLines(_ text: String) -> [Substring] {
    var lines = [Substring]()
    let u = text.utf8
    var start = u.startIndex
    var i = u.startIndex
    while i < u.endIndex {
      let b = u[i]
      guard b == 0x0A || b == 0x0D else {
        u.formIndex(after: &i)
        continue
      }
      lines.append(text[start..<i])
      u.formIndex(after: &i)
      if b == 0x0D, i < u.endIndex, u[i] == 0x0A { u.formIndex(after: &i) }
      start = i
    }
    lines.append(text[start..<u.endIndex])
    return lines
  }

  /// The 1-based byte column and value of the first C0 control byte in `line` other than tab
  /// and CR, if any.
  static func firstControlByte(_ line: Substring) -> (column: Int, byte: UInt8)? {
    var column = 1
    for b in line.utf8 {
      if b < 0x20 && b != 0x09 && b != 0x0D { return (column, b) }
      column += 1
    }
    return nil
  }
}

extension Substring {
  var trimmingSpaces: Substring {
    var s = self
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return s
  }
}

/// A domain shift for fine-tuning experiments: values are rotated (2-D points or images, in
/// degrees about the centre), then multiplied by `scale`, offset by `offset`, and given
/// Gaussian noise of standard deviation `noise`.
public struct DomainShift: Sendable, Equatable {
  public var scale: Float = 1
  public var offset: Float = 0
  public var rotation: Float = 0
  public var noise: Float = 0
  public init(scale: Float = 1, offset: Float = 0, rotation: Float = 0, noise: Float = 0) {
    self.scale = scale
    self.offset = offset
    self.rotation = rotation
    self.noise = noise
  }

  /// The shifted copy of `data`; rotation needs 2-D points or [C, H, W] images.
  public func apply(to data: Dataset, seed: UInt64) throws -> Dataset {
    var out = data
    out.name = data.name + " (shifted)"
    let d = data.sampleSize
    if rotation != 0 {
      let a = Double(rotation) * Double.pi / 180
      let (c, s) = (Float(_cos(a)), Float(_sin(a)))
      if data.sampleShape == [2] {
        for i in 0..<data.count {
          let x = data.features[2 * i]
          let y = data.features[2 * i + 1]
          out.features[2 * i] = c * x - s * y
          out.features[2 * i + 1] = s * x + c * y
        }
      } else if data.sampleShape.count == 3 {
        let (ch, h, w) = (data.sampleShape[0], data.sampleShape[1], data.sampleShape[2])
        let cy = Float(h - 1) / 2
        let cx = Float(w - 1) / 2
        for i in 0..<data.count {
          for k in 0..<ch {
            let base = i * d + k * h * w
            for y in 0..<h {
              for x in 0..<w {
                // Sample the source at the inversely rotated position (bilinear, 0 outside).
                let dx = Float(x) - cx
                let dy = Float(y) - cy
                let sx = c * dx + s * dy + cx
                let sy = -s * dx + c * dy + cy
                let x0 = Int(clamping: sx, rounding: .down)
                let y0 = Int(clamping: sy, rounding: .down)
                let fx = sx - Float(x0)
                let fy = sy - Float(y0)
                func px(_ yy: Int, _ xx: Int) -> Float {
                  (yy >= 0 && yy < h && xx >= 0 && xx < w) ? data.features[base + yy * w + xx] : 0
                }
                out.features[base + y * w + x] =
                  (1 - fy) * ((1 - fx) * px(y0, x0) + fx * px(y0, x0 + 1)) + fy
                  * ((1 - fx) * px(y0 + 1, x0) + fx * px(y0 + 1, x0 + 1))
              }
            }
          }
        }
      } else {
        throw NormError.invalidData(
          "rotation needs 2-D points or images; \(data.name) has samples of shape \(data.sampleShape)")
      }
    }
    var rng = SeededRNG(seed: seed, stream: "shift")
    for i in 0..<out.features.count {
      out.features[i] = out.features[i] * scale + offset + (noise > 0 ? noise * rng.normal() : 0)
    }
    return out
  }
}

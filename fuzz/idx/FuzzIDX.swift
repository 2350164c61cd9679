// libFuzzer target: the IDX (MNIST) loader. Input layout: 2 bytes little-endian = length L of the
// labels file, then L bytes of labels file (fewer if the input ends), then the images file.
import NormCore
import NormFuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
  guard bytes.count >= 2 else { return 0 }
  let split = min(bytes.count, 2 + (Int(bytes[0]) | Int(bytes[1]) << 8))
  let labels = Array(bytes[2..<split])
  let images = Array(bytes[split...])
  guard let d = try? DataLoader.parseIDX(images: images, labels: labels, imagesName: "i.idx", labelsName: "l.idx")
  else { return 0 }
  check(d.count > 0 && d.features.count == d.count * d.sampleSize, "inconsistent data set")
  check(d.sampleShape.count == 3 && d.sampleShape[0] == 1, "IDX samples are [1, rows, cols]")
  check(d.labels.allSatisfy { $0 >= 0 && Int($0) < d.classCount }, "label out of range")
  check(d.features.allSatisfy { $0 >= 0 && $0 <= 1 }, "pixel outside 0…1")
  _ = d.split(validationFraction: 0.2, seed: 1)
  return 0
}

@main enum Main {
  static func main() { fuzzMain(fuzzIDX) }
}

// libFuzzer target: the CSV loader. The input is a CSV file's bytes. An accepted file must give
// a consistent data set, which is then split and shifted as a scene or the CLI would.
import NormCore
import NormFuzzDriver

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? []
  guard let d = try? DataLoader.parseCSV(bytes, fileName: "fuzz.csv") else { return 0 }
  check(d.count > 0 && d.features.count == d.count * d.sampleSize, "inconsistent data set")
  check(d.labels.allSatisfy { $0 >= 0 && Int($0) < d.classCount }, "label out of range")
  check(d.features.allSatisfy(\.isFinite), "non-finite feature accepted")
  let (train, validation) = d.split(validationFraction: 0.2, seed: 1)
  check(train.count + validation.count == d.count, "split lost samples")
  _ = try? DomainShift(scale: 1.5, offset: 0.25, rotation: 15, noise: 0.05).apply(to: d, seed: 1)
  return 0
}

@main enum Main {
  static func main() { fuzzMain(fuzzCSV) }
}

// libFuzzer target: the model-spec language. The input is spec text (invalid UTF-8 is replaced,
// as for any decoded text). A spec that parses is built, within the size limits, for flat,
// image and sequence samples; a small enough network then runs one training step (forward,
// cross-entropy, backward) on two samples, and an eval-mode forward.
import NormCore
import NormFuzzDriver

let shapes: [[Int]] = [[64], [1, 8, 8], [3, 6, 6], [12, 4], [2]]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
  let spec: ModelSpec
  do { spec = try ModelSpec(parsing: text) } catch {
    // Errors point inside the input (one past its end for "expected a layer after ','").
    check(error.column >= 1 && error.column <= text.count + 2, "spec error outside the input")
    check(!error.message.isEmpty, "empty spec error")
    return 0
  }
  var trained = false
  for shape in shapes {
    let layers: [any Layer]
    do {
      layers = try spec.buildLayers(inputShape: shape, settings: BuildSettings(seed: 1, initializeWeights: false))
    } catch {
      check(error.column >= 1 && error.column <= text.count + 2, "build error outside the input")
      continue
    }
    let parameters = layers.reduce(0) { $0 + $1.parameters.reduce(0) { $0 + $1.count } }
    check(parameters <= ModelSpec.maxParameters, "the size limit let a larger model through")
    guard let net = try? Network(inputShape: shape, layers: layers) else {
      fatalError("a spec built layers that do not chain")
    }
    let activations = (0...layers.count).reduce(0) { $0 + net.shape(ofActivation: $1).reduce(1, *) }
    guard !trained, parameters <= 1 << 15, activations <= 1 << 14, net.outputCount >= 1 else { continue }
    trained = true
    guard let built = try? spec.buildLayers(inputShape: shape, settings: BuildSettings(seed: 1)) else {
      fatalError("builds without weights but not with them")
    }
    guard let n = try? Network(inputShape: shape, layers: built) else { fatalError("layers do not chain") }
    let batch = 2
    let input = (0..<(batch * n.inputCount)).map { Float(($0 * 7919) % 17) / 8 - 1 }
    let labels: [Int32] = [0, Int32(min(1, n.outputCount - 1))]
    do {
      try n.forward(input, batch: batch)
      _ = labels.withUnsafeBufferPointer { n.crossEntropy(labels: $0, backward: true) }
      n.mode = .eval
      try n.forward(input, batch: batch)
    } catch {}
  }
  return 0
}

@main enum Main {
  static func main() { fuzzMain(fuzzSpec) }
}

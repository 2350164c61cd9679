import NormCore
import Testing

/// `Network.activation`, `output` and `gradient` used to return buffer pointers that a later
/// forward with a larger batch frees. Outside NormCore, activations are now reached only
/// through scoped access (`withActivation`, `withOutput`, `withGradient`) or as copies.
@Suite("Network: scoped access to activations")
struct ScopedActivationTests {
  @Test("copies survive a larger forward; scoped access always sees the current batch")
  func copiesAndScopes() throws {
    let net = try ModelSpec(parsing: "linear 8, relu, linear 3")
      .build(inputShape: [4], classes: 3, settings: BuildSettings(seed: 1))
    let small = (0..<8).map { Float($0) / 8 }
    try net.forward(small, batch: 2)
    let hidden = net.activationValues(1)
    let logits = net.outputValues
    #expect(hidden.count == 2 * 8 && logits.count == 2 * 3)
    let large = (0..<(4 * 256)).map { Float($0 % 13) / 13 }
    try net.forward(large, batch: 256)  // reallocates the activation buffers
    #expect(net.withActivation(1) { $0.count } == 256 * 8)
    #expect(net.withOutput { $0.count } == 256 * 3)
    try net.forward(small, batch: 2)
    #expect(net.activationValues(1) == hidden)  // the copy was not disturbed, and is reproducible
    #expect(net.outputValues == logits)
    #expect(net.withOutput { Array($0) } == logits)
  }
}

// The BN paper's MLP (Ioffe & Szegedy 2015, §4.1): three hidden layers of 100 sigmoid units,
// weights from N(0, 0.1²), batch norm before each sigmoid, plain SGD on batches of 60 — here
// on the UCI digits that ship with NormCore. Prints the loss and the validation accuracy.
import NormCore

let (train, validation) = BuiltinData.digits().split(validationFraction: 0.2, seed: 1)
var rng = SeededRNG(seed: 1)
let small = InitSettings(scheme: .normal(std: 0.1))
var layers: [any Layer] = []
for inputs in [64, 100, 100] {
  layers += [try Linear(inputs, 100, initialization: small, rng: &rng), try BatchNorm(numFeatures: 100)]
  layers.append(Activation(.sigmoid, shape: [100]))
}
let model = try Network(
  inputShape: train.sampleShape, layers: layers + [try Linear(100, 10, initialization: small, rng: &rng)])
let sgd = try SGD(lr: 0.5)
var batches = BatchSampler(count: train.count, seed: 1)
for step in 1...1500 {
  let (x, y) = try train.batch(batches.next(60))
  let (loss, dLogits) = try crossEntropy(model(x), labels: y)
  model.zeroGradients()
  try model.backward(dLogits)
  sgd.step(model.parameters)
  if step % 500 == 0 { print("step \(step): training loss \(loss)") }
}
model.mode = .eval  // running statistics from here on, as model.eval() in PyTorch
let (x, y) = try validation.batch(0..<validation.count)
print("validation accuracy: \(try accuracy(model(x), labels: y)) on \(validation.count) digits")

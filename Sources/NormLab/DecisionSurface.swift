import NormCore
import NormSupport

/// A classifier's decision regions over 2-D data, on a grid, with data points to draw on top.
public struct DecisionSurface: Sendable, Equatable {
  public struct Point: Sendable, Equatable {
    public var x: Float
    public var y: Float
    public var label: Int
    public init(x: Float, y: Float, label: Int) {
      self.x = x
      self.y = y
      self.label = label
    }
  }
  public var columns: Int
  public var rows: Int
  public var xRange: ClosedRange<Float>
  public var yRange: ClosedRange<Float>
  /// Predicted class per grid point, row-major, row 0 at the top (largest y).
  public var classes: [Int]
  /// Softmax probability of the predicted class per grid point.
  public var confidence: [Float]
  public var points: [Point]

  public init(
    columns: Int, rows: Int, xRange: ClosedRange<Float>, yRange: ClosedRange<Float>, classes: [Int],
    confidence: [Float],
    points: [Point]
  ) {
    self.columns = columns
    self.rows = rows
    self.xRange = xRange
    self.yRange = yRange
    self.classes = classes
    self.confidence = confidence
    self.points = points
  }
}

extension Experiment {
  /// The decision surface of variant `index` over the data's bounding box (+10 %), evaluated in
  /// `mode` (default: the experiment's inference mode) without changing any state. Nil unless
  /// samples are 2-D points. In training mode BatchNorm normalizes with the grid's own
  /// statistics — the "forgot `model.eval()`" picture.
  public func decisionSurface(variant index: Int, columns: Int, rows: Int, mode: Mode? = nil, maxPoints: Int = 300)
    throws
    -> DecisionSurface?
  {
    guard trainData.sampleShape == [2], columns > 0, rows > 0, index < variants.count else { return nil }
    let f = trainData.features
    var xs = (Float.infinity, -Float.infinity)
    var ys = (Float.infinity, -Float.infinity)
    for i in 0..<trainData.count {
      xs = (min(xs.0, f[2 * i]), max(xs.1, f[2 * i]))
      ys = (min(ys.0, f[2 * i + 1]), max(ys.1, f[2 * i + 1]))
    }
    let mx = max((xs.1 - xs.0) * 0.1, 1e-3)
    let my = max((ys.1 - ys.0) * 0.1, 1e-3)
    let xr = (xs.0 - mx)...(xs.1 + mx)
    let yr = (ys.0 - my)...(ys.1 + my)
    var grid = [Float]()
    grid.reserveCapacity(columns * rows * 2)
    for r in 0..<rows {
      for c in 0..<columns {
        grid.append(xr.lowerBound + (Float(c) + 0.5) / Float(columns) * (xr.upperBound - xr.lowerBound))
        grid.append(yr.upperBound - (Float(r) + 0.5) / Float(rows) * (yr.upperBound - yr.lowerBound))
      }
    }
    let net = variants[index].network
    let saved = net.mode
    net.mode = mode ?? inferenceMode
    defer { net.mode = saved }
    do { try net.forward(grid, batch: columns * rows, updatesState: false) } catch {
      throw ExperimentError(variant: variants[index].name, message: "decision surface: \(error)", cause: error)
    }
    let k = net.outputCount
    var classes = [Int]()
    var conf = [Float]()
    net.withOutput { out in
      for i in 0..<(columns * rows) {
        var best = 0
        for j in 1..<k where out[i * k + j] > out[i * k + best] { best = j }
        var sum = 0.0
        for j in 0..<k { sum += naturalExp(Double(out[i * k + j] - out[i * k + best])) }
        classes.append(best)
        conf.append(Float(1 / sum))
      }
    }
    let n = min(maxPoints, trainData.count)
    let points = (0..<n).map { i in
      let j = i * trainData.count / n
      return DecisionSurface.Point(x: f[2 * j], y: f[2 * j + 1], label: Int(trainData.labels[j]))
    }
    return DecisionSurface(
      columns: columns, rows: rows, xRange: xr, yRange: yr, classes: classes, confidence: conf, points: points)
  }
}

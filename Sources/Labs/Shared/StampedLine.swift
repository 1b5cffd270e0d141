/// A line as the lab captures it on the host: the capture's wall clock in front
/// (`1764655123.456789012 sample 3 s: 61.20 TFLOPS`, written by `date +%s.%N` as each line
/// arrived), or a line with no timestamp (evidence from before timestamping).
struct StampedLine: Sendable, Hashable {
  /// Seconds since the epoch when the line was captured; nil when it carries no timestamp.
  var capturedAt: Double?
  /// The line without its timestamp.
  var text: String

  init(_ line: String) {
    if let match = line.prefixMatch(of: #/(\d{9,11}\.\d+) /#), let time = Double(match.output.1) {
      capturedAt = time
      text = String(line[match.range.upperBound...])
    } else {
      capturedAt = nil
      text = line
    }
  }
}

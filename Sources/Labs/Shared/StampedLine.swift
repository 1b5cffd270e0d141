/// A line as the lab captures it on the host: the capture's wall clock in front
/// (`1764655123.456789 sample 3 s: 61.20 TFLOPS`, written by bash's `$EPOCHREALTIME` or, in
/// evidence of earlier versions, `date +%s.%N`, as each line arrived), or a line with no
/// timestamp (evidence from before timestamping).
struct StampedLine: Sendable, Hashable {
  /// Seconds since the epoch when the line was captured; nil when it carries no timestamp.
  var capturedAt: Double?
  /// The line without its timestamp.
  var text: String

  init(_ line: String) {
    // By hand, not a regex: evidence has thousands of stamped lines (HAMi-core's watcher logs
    // every 120 ms).
    capturedAt = nil
    text = line
    guard let space = line.firstIndex(of: " ") else { return }
    let head = line[..<space]
    let parts = head.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 2, (9...11).contains(parts[0].count), !parts[1].isEmpty,
      head.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let time = Double(head)
    else { return }
    capturedAt = time
    text = String(line[line.index(after: space)...])
  }
}

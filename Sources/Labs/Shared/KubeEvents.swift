import Foundation

/// Pod events: the Events table of `kubectl describe pod`, or `kubectl get events`.
///
/// A describe row is read by its shape, not by the header's column offsets, so rows keep
/// their meaning when the header is missing (`| tail -3`, `| grep -A5 Events:` cut short),
/// has no `----` underline, or the row lost its indentation in a paste. Ages such as
/// `16s (x2 over 16s)`, `<invalid> (x4 over 9s)` and senders such as `kubelet, node1` are kept
/// whole; a reason is matched by name, and a message by the HAMi failure words it contains.
public struct KubeEvents: Sendable, Hashable {
  public struct Event: Sendable, Hashable {
    public var type: String
    public var reason: String
    public var age: String
    public var from: String
    public var message: String
    public var line: String
  }

  public var events: [Event]
  /// Whether the output said `Events: <none>`.
  public var saysNone: Bool

  /// Parses every event row in `lines`; `nil` when there is none and no `Events: <none>`.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    var events: [Event] = []
    var saysNone = false
    let row =
      #/^\s*(Normal|Warning)\s+(\S+)\s+(\S+(?:\s+\(x\d+\s+over\s+[^)]*\))?)\s+(\S+?(?:,\s+\S+)?)\s{2,}(\S.*?)\s*$/#
    for line in lines {
      if line.trimmingCharacters(in: .whitespaces).hasPrefix("Events:"), line.contains("<none>") {
        saysNone = true
      }
      if let match = line.firstMatch(of: row) {
        events.append(
          Event(
            type: String(match.output.1), reason: String(match.output.2), age: String(match.output.3),
            from: String(match.output.4), message: String(match.output.5), line: line))
      }
    }
    for table in KubectlTable.tables(in: lines)
    where table.headers.contains("REASON") && table.headers.contains("MESSAGE") {
      for row in table.rows {
        events.append(
          Event(
            type: row["TYPE"] ?? "", reason: row["REASON"] ?? "", age: row["LAST SEEN"] ?? "",
            from: row["SOURCE"] ?? "", message: row["MESSAGE"] ?? "", line: row.line))
      }
    }
    guard !events.isEmpty || saysNone else { return nil }
    self.events = events
    self.saysNone = saysNone
  }

  /// Events whose reason is `reason` or whose message contains `word`.
  public func matching(reason: String? = nil, messageContains word: String? = nil) -> [Event] {
    events.filter { event in
      (reason.map { event.reason == $0 } ?? false) || (word.map { event.message.contains($0) } ?? false)
    }
  }
}

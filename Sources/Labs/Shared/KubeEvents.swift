import Foundation

/// Pod events: the Events table of `kubectl describe pod`, or `kubectl get events`.
///
/// Ages such as `16s (x2 over 16s)` and messages with any wording are kept whole; a reason is
/// matched by name, and a message by the HAMi failure words it contains.
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

  /// Parses every events table in `lines`; `nil` when there is none and no `Events: <none>`.
  public init?(lines rawLines: [String]) {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    var events: [Event] = []
    var saysNone = false
    var index = 0
    while index < lines.count {
      let line = lines[index]
      if line.trimmingCharacters(in: .whitespaces).hasPrefix("Events:"), line.contains("<none>") {
        saysNone = true
      }
      if let columns = Self.describeColumns(line) {
        index += 1
        while index < lines.count {
          let row = lines[index]
          let trimmed = row.trimmingCharacters(in: .whitespaces)
          if trimmed.isEmpty || !row.hasPrefix(" ") { break }
          if trimmed.allSatisfy({ $0 == "-" || $0 == " " }) {
            index += 1
            continue
          }
          events.append(Self.event(row, columns: columns))
          index += 1
        }
        continue
      }
      index += 1
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

  private static func describeColumns(_ line: String) -> [(name: String, start: Int)]? {
    guard line.hasPrefix(" ") else { return nil }
    let characters = Array(line)
    var columns: [(name: String, start: Int)] = []
    var position = 0
    while position < characters.count {
      while position < characters.count, characters[position] == " " { position += 1 }
      guard position < characters.count else { break }
      let start = position
      while position < characters.count, characters[position] != " " { position += 1 }
      columns.append((String(characters[start..<position]), start))
    }
    guard columns.map(\.name) == ["Type", "Reason", "Age", "From", "Message"] else { return nil }
    return columns
  }

  private static func event(_ line: String, columns: [(name: String, start: Int)]) -> Event {
    let characters = Array(line)
    var values: [String] = []
    for (offset, column) in columns.enumerated() {
      let start = min(column.start, characters.count)
      let end =
        offset + 1 < columns.count ? min(columns[offset + 1].start, characters.count) : characters.count
      values.append(String(characters[start..<max(start, end)]).trimmingCharacters(in: .whitespaces))
    }
    return Event(
      type: values[0], reason: values[1], age: values[2], from: values[3], message: values[4], line: line)
  }
}

import Foundation

/// A column table as kubectl (and helm) print it: an upper-case header, then rows aligned
/// under it (`kubectl get pods -o wide`, `kubectl get nodes -o wide`, `helm list`).
///
/// Values are cut at the header's column offsets, so values with spaces (`1 (5m ago)`,
/// `Ubuntu 22.04.4 LTS`, helm's UPDATED) stay whole; tab-separated output (helm) is split on tabs.
public struct KubectlTable: Sendable, Hashable {
  /// One data row: header → value, plus the line as captured.
  public struct Row: Sendable, Hashable {
    public var values: [String: String]
    public var line: String

    public subscript(_ column: String) -> String? { values[column] }
  }

  public var headers: [String]
  public var headerLine: String
  public var rows: [Row]

  /// Every table in `lines`, in order.
  public static func tables(in rawLines: [String]) -> [KubectlTable] {
    let lines = HAMiCoreLog.strippingMessages(rawLines)
    var tables: [KubectlTable] = []
    var index = 0
    while index < lines.count {
      guard let columns = headerColumns(lines[index]) else {
        index += 1
        continue
      }
      let header = lines[index]
      var rows: [Row] = []
      index += 1
      while index < lines.count {
        let line = lines[index]
        if line.trimmingCharacters(in: .whitespaces).isEmpty || headerColumns(line) != nil { break }
        if line.hasPrefix("No resources found") { break }
        rows.append(Row(values: split(line, columns: columns, headerLine: header), line: line))
        index += 1
      }
      tables.append(KubectlTable(headers: columns.map(\.name), headerLine: header, rows: rows))
    }
    return tables
  }

  /// The last row named `name` (column NAME) in any table of `lines`; without a header line
  /// (`kubectl get pods | grep NAME`), the last line that reads as a pod row for `name`.
  public static func row(named name: String, in lines: [String]) -> Row? {
    tables(in: lines).flatMap(\.rows).last { $0["NAME"] == name }
      ?? HAMiCoreLog.strippingMessages(lines).compactMap(podRow).last { $0["NAME"] == name }
  }

  /// Every pod row of `lines`: the rows of tables with a READY and a STATUS column, or, when
  /// there is no such table (`kubectl get pods | grep hami`), every line that reads as a pod row.
  public static func podRows(in lines: [String]) -> [Row] {
    let headed = tables(in: lines).filter { $0.headers.contains("READY") && $0.headers.contains("STATUS") }
    if !headed.isEmpty { return headed.flatMap(\.rows) }
    return HAMiCoreLog.strippingMessages(lines).compactMap(podRow)
  }

  /// Every node row of `lines` (`kubectl get nodes [-o wide]`): the rows of tables with a
  /// VERSION or ROLES column, or, without a header line, every line that reads as a node row.
  public static func nodeRows(in lines: [String]) -> [Row] {
    let headed = tables(in: lines).filter { $0.headers.contains("VERSION") || $0.headers.contains("ROLES") }
    if !headed.isEmpty { return headed.flatMap(\.rows) }
    return HAMiCoreLog.strippingMessages(lines).compactMap(nodeRow)
  }

  /// A `kubectl get pods [-A] [-o wide]` line without its header: NAME READY STATUS RESTARTS
  /// AGE [IP NODE NOMINATED NODE READINESS GATES], NAMESPACE first with `-A`. RESTARTS may
  /// carry `(5m ago)`.
  static func podRow(_ line: String) -> Row? {
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    let ready = #/\d+\/\d+/#
    guard words.count >= 5 else { return nil }
    var values: [String: String] = [:]
    var index = 0
    if words[1].wholeMatch(of: ready) == nil, words[2].wholeMatch(of: ready) != nil {
      values["NAMESPACE"] = words[0]
      index = 1
    }
    guard words[index + 1].wholeMatch(of: ready) != nil, words.count >= index + 5 else { return nil }
    values["NAME"] = words[index]
    values["READY"] = words[index + 1]
    values["STATUS"] = words[index + 2]
    var restarts = words[index + 3]
    index += 4
    if index < words.count, words[index].hasPrefix("(") {
      while index < words.count {
        restarts += " " + words[index]
        index += 1
        if restarts.hasSuffix(")") { break }
      }
    }
    guard Int(restarts.prefix { $0.isNumber }) != nil, index < words.count,
      words[index].wholeMatch(of: #/(?:\d+[smhdy])+|<\w+>/#) != nil
    else { return nil }
    values["RESTARTS"] = restarts
    values["AGE"] = words[index]
    // `-o wide` adds exactly four columns; any other count is a line this cannot read.
    let wide = ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    let rest = words[(index + 1)...]
    guard rest.isEmpty || rest.count == wide.count else { return nil }
    for (column, word) in zip(wide, rest) { values[column] = word }
    return Row(values: values, line: line)
  }

  /// A `kubectl get nodes [-o wide]` line without its header: NAME STATUS ROLES AGE VERSION
  /// [INTERNAL-IP …]; the container runtime is the last word when it is a `scheme://` one.
  static func nodeRow(_ line: String) -> Row? {
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard words.count >= 5, words[1].wholeMatch(of: #/(?:Ready|NotReady|Unknown)(?:,\w+)*/#) != nil,
      words[4].wholeMatch(of: #/v\d+\.\d+\S*/#) != nil
    else { return nil }
    var values = [
      "NAME": words[0], "STATUS": words[1], "ROLES": words[2], "AGE": words[3], "VERSION": words[4],
    ]
    if words.count > 5 { values["INTERNAL-IP"] = words[5] }
    if let last = words.last, words.count > 6, last.contains("://") { values["CONTAINER-RUNTIME"] = last }
    return Row(values: values, line: line)
  }

  struct Column {
    var name: String
    var start: Int
  }

  /// The columns of a header line, or nil when `line` is not a header.
  static func headerColumns(_ line: String) -> [Column]? {
    guard !line.hasPrefix(" "), !line.hasPrefix("\t") else { return nil }
    let first = line.prefix { $0 != " " && $0 != "\t" }
    guard ["NAME", "NAMESPACE", "LAST"].contains(first) else { return nil }
    if line.contains("\t") {
      let names = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty
      }
      guard names.count >= 2, names.allSatisfy(isHeaderWord) else { return nil }
      return names.enumerated().map { Column(name: $0.element, start: -1 - $0.offset) }
    }
    let characters = Array(line)
    var columns: [Column] = []
    var position = 0
    while position < characters.count {
      while position < characters.count, characters[position] == " " { position += 1 }
      guard position < characters.count else { break }
      let start = position
      // A column name ends at two spaces (`NOMINATED NODE` has one).
      while position < characters.count,
        !(characters[position] == " "
          && (position + 1 >= characters.count || characters[position + 1] == " "))
      {
        position += 1
      }
      columns.append(Column(name: String(characters[start..<position]), start: start))
    }
    guard columns.count >= 2, columns.map(\.name).allSatisfy(isHeaderWord) else { return nil }
    return columns
  }

  private static func isHeaderWord(_ word: String) -> Bool {
    !word.isEmpty
      && word.allSatisfy { $0.isUppercase || $0.isNumber || $0 == " " || $0 == "-" || $0 == "(" || $0 == ")" }
  }

  private static func split(_ line: String, columns: [Column], headerLine: String) -> [String: String] {
    if columns.first?.start ?? 0 < 0 {
      let values = line.split(separator: "\t", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      return Dictionary(
        zip(columns.map(\.name), values + Array(repeating: "", count: max(0, columns.count - values.count))),
        uniquingKeysWith: { first, _ in first })
    }
    let characters = Array(line)
    var aligned = true
    for column in columns.dropFirst() where column.start > 0 && column.start <= characters.count {
      if characters[column.start - 1] != " " { aligned = false }
    }
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    if !aligned {
      // Not cut by this header's offsets: trust a plain word split only when it fits exactly,
      // otherwise leave the row unparsed (an exercise reading it becomes INCONCLUSIVE).
      guard words.count == columns.count else { return [:] }
      return Dictionary(zip(columns.map(\.name), words), uniquingKeysWith: { first, _ in first })
    }
    var values: [String: String] = [:]
    for (offset, column) in columns.enumerated() {
      let start = min(column.start, characters.count)
      let end =
        offset + 1 < columns.count ? min(columns[offset + 1].start, characters.count) : characters.count
      values[column.name] = String(characters[start..<max(start, end)]).trimmingCharacters(in: .whitespaces)
    }
    return values
  }
}

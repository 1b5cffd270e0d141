import Foundation
import TestSupport
import Testing

/// Issue 12 items 8, 9 and 12: exit statuses and error words that agree across commands, what
/// `labrun ping --host sim` shows, and help and docs that match the code.
@Suite struct CommandLineConsistencyTests {
  // MARK: item 8

  @Test(arguments: [
    (["up", "--host", "u@host:99999"], Int32(64)),
    (["plan", "--host", "u@host:99999"], Int32(64)),
    (["ping", "--host", "u@host:99999"], Int32(64)),
    (["up", "--host", "sim", "--param", "sim_scenario=no-such-scenario"], Int32(2)),
    (["plan", "--host", "sim", "--param", "sim_scenario=no-such-scenario"], Int32(2)),
    (["run", "--host", "sim", "--param", "sim_scenario=no-such-scenario"], Int32(2)),
    (["up", "--host", "sim:no-such-card"], Int32(2)),
    (["plan", "--host", "sim:no-such-card"], Int32(2)),
    (["ping", "--host", "sim:no-such-card"], Int32(2)),
    (["report"], Int32(4)),
    (["status"], Int32(4)),
    (["exercises"], Int32(4)),
    (["down"], Int32(4)),
    (["bundle"], Int32(4)),
    (["up"], Int32(64)),
    (["report", "--no-such-option"], Int32(64)),
  ])
  func exitStatusAndOneErrorPrefix(arguments: [String], status: Int32) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let result = try await fixture.labrun(arguments, inScratchDirectory: true)
    #expect(result.status == status, "\(result)")
    let lines = result.stderr.split(separator: "\n")
    #expect(lines.contains { $0.hasPrefix("labrun: error: ") }, "\(result.stderr)")
    #expect(!result.stderr.contains("\nError: ") && !result.stderr.hasPrefix("Error: "), "\(result.stderr)")
    // Nothing was started: a refused command line leaves no run behind.
    #expect(try fixture.runDirectories().isEmpty)
  }

  // MARK: item 9

  @Test func pingOfTheSimulatedHostShowsTheSimulatedHost() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let text = try await fixture.labrun(["ping", "--host", "sim"], inScratchDirectory: true)
    #expect(text.status == 0, "\(text)")
    #expect(text.stdout.contains("host       sim (labrun's simulated GPU host"), "\(text.stdout)")
    #expect(text.stdout.contains("os         Ubuntu 22.04.4 LTS"), "\(text.stdout)")
    #expect(text.stdout.contains("user       ubuntu\n"), "\(text.stdout)")
    #expect(text.stdout.contains("NVIDIA RTX A6000, 49140 MiB"), "\(text.stdout)")
    let json = try await fixture.labrun(["ping", "--host", "sim", "--json"], inScratchDirectory: true)
    #expect(json.status == 0, "\(json)")
    #expect(json.stdout.contains("\"memory_mib\" : 49140"), "\(json.stdout)")
    #expect(!json.stdout.contains("memory_mi_b"), "\(json.stdout)")
    #expect(json.stdout.contains("\"kind\" : \"simulated\""), "\(json.stdout)")
  }

  // MARK: item 12

  /// The names labrun lists after "use one of" in an error.
  static func namesListed(_ stderr: String) -> [String] {
    guard let range = stderr.range(of: "use one of ") else { return [] }
    let rest = stderr[range.upperBound...].prefix { $0 != "\n" && $0 != "(" }
    return rest.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  static func docs(_ fixture: SelfTestLabFixture, _ path: String) throws -> String {
    try String(contentsOf: fixture.binary.packageRoot.appendingPathComponent(path), encoding: .utf8)
  }

  @Test func simulatorDocsListEveryScenarioAndEveryCard() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let simulator = try Self.docs(fixture, "docs/simulator.md")
    let scenarios = try await fixture.labrun(["plan", "--host", "sim", "--param", "sim_scenario=x-unknown"])
    let scenarioNames = Self.namesListed(scenarios.stderr)
    #expect(scenarioNames.count >= 10, "\(scenarios.stderr)")
    let profiles = try await fixture.labrun(["plan", "--host", "sim:x-unknown"])
    let profileNames = Self.namesListed(profiles.stderr)
    #expect(profileNames.count >= 5, "\(profiles.stderr)")
    // Each as a table row of its section, and no row for a name labrun does not know.
    let scenarioRows = Self.tableNames(simulator, section: "## Scenarios")
    let profileRows = Self.tableNames(simulator, section: "## Cards")
    #expect(scenarioRows == scenarioNames.sorted(), "docs/simulator.md scenarios")
    #expect(profileRows == profileNames.sorted(), "docs/simulator.md cards")
    // The README points there for the full lists.
    let readme = try Self.docs(fixture, "README.md")
    #expect(readme.contains("docs/simulator.md#scenarios"))
  }

  /// The first backquoted word of each table row in `section` (up to the next `## `).
  static func tableNames(_ text: String, section: String) -> [String] {
    guard let start = text.range(of: "\n" + section) else { return [] }
    let body = text[start.upperBound...]
    let end = body.range(of: "\n## ")?.lowerBound ?? body.endIndex
    return body[..<end].split(separator: "\n").compactMap { line -> String? in
      guard line.hasPrefix("| `") else { return nil }
      return line.dropFirst(3).prefix { $0 != "`" }.description
    }.sorted()
  }

  @Test func readmeAptListIsTheMakefiles() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let makefile = try Self.docs(fixture, "Makefile")
    let line = try #require(makefile.split(separator: "\n").first { $0.hasPrefix("APT_PACKAGES := ") })
    let packages = line.dropFirst("APT_PACKAGES := ".count).split(separator: " ").map(String.init)
    let readme = try Self.docs(fixture, "README.md").replacingOccurrences(of: "\n", with: " ")
    // The README names them as one code span: `pkg pkg …`.
    #expect(
      readme.contains("`" + packages.joined(separator: " ") + "`"), "README's apt list differs: \(packages)")
  }

  @Test func helpNamesSimAliasAndWrapsWithinTheTerminal() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    for command in ["up", "run", "plan", "ping", "exercises", "down"] {
      let help = try await fixture.labrun([command, "--help"], environment: ["COLUMNS": "80"])
      #expect(help.status == 0, "\(help)")
      #expect(help.stdout.contains("sim[:PROFILE]+ALIAS"), "\(command) --help lacks sim+ALIAS")
    }
    // argument-parser wraps a long discussion line at the terminal's width and drops its
    // indentation: every indented line (lists, examples) must fit in 80 columns as written.
    let commands = [
      "", "up", "exercises", "report", "down", "run", "plan", "status", "runs", "verify", "bundle", "ping",
      "labs",
    ]
    for command in commands {
      let arguments = (command.isEmpty ? [] : [command]) + ["--help"]
      let narrow = try await fixture.labrun(arguments, environment: ["COLUMNS": "80"])
      let wide = try await fixture.labrun(arguments, environment: ["COLUMNS": "400"])
      let narrowLines = Set(narrow.stdout.split(separator: "\n").map(String.init))
      let discussion = wide.stdout.components(separatedBy: "\nUSAGE:").first ?? ""
      for line in discussion.split(separator: "\n") where line.hasPrefix(" ") {
        #expect(narrowLines.contains(String(line)), "labrun \(command) --help at 80 columns wraps: \(line)")
      }
      // The usage line is argument-parser's own and does not wrap; every other line fits.
      for line in narrow.stdout.split(separator: "\n") where !line.hasPrefix("USAGE:") {
        #expect(line.count <= 80, "labrun \(command) --help: a line over 80 columns: \(line)")
      }
    }
  }

  /// Each command's --help lists only the statuses it can return.
  @Test(arguments: [
    ("up", ["0", "1", "2", "3", "4", "64", "130"]),
    ("down", ["0", "1", "2", "3", "4", "64", "130"]),
    ("exercises", ["0", "1", "2", "3", "4", "5", "6", "64", "130"]),
    ("run", ["0", "1", "2", "3", "4", "5", "6", "64", "130"]),
    ("plan", ["0", "2", "3", "64"]),
    ("status", ["0", "4", "64"]),
    ("runs", ["0", "4", "64"]),
    ("report", ["0", "2", "4", "64"]),
    ("bundle", ["0", "1", "4", "64"]),
    ("ping", ["0", "2", "3", "64"]),
  ])
  func helpListsOnlyTheExitStatusesTheCommandReturns(command: String, codes: [String]) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let help = try await fixture.labrun([command, "--help"], environment: ["COLUMNS": "100"])
    let section = try #require(help.stdout.range(of: "Exit status:"), "\(help.stdout)")
    let listed = help.stdout[section.upperBound...].split(separator: "\n").compactMap { line -> String? in
      let fields = line.split(separator: " ")
      guard let first = fields.first, Int(first) != nil, line.hasPrefix("  ") else { return nil }
      return String(first)
    }
    #expect(listed == codes, "labrun \(command) --help: \(help.stdout[section.lowerBound...])")
  }
}

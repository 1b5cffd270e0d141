import Foundation
import LabPipeline
import Targets
import TestSupport
import Testing

@Suite struct HostsFileTests {
  @Test func readsTargetsParametersCommentsAndBlankLines() throws {
    let text = """
      # rack 3
      sim/gpu-01

      sim:h100-80gb/gpu-02 sim_scenario=runtime-runc   # this one must FAIL
      \tubuntu@203.0.113.7:2222 provider='Hyperstack (NL)' note="a \\"quoted\\" word" empty=''
      sim/gpu-04 tag=a\\ b#not-a-comment\r
      """
    let file = try HostsFile(parsing: text, path: "hosts.txt")
    #expect(
      file.entries.map(\.target.name) == [
        "sim/gpu-01", "sim:h100-80gb/gpu-02", "ubuntu@203.0.113.7:2222", "sim/gpu-04",
      ])
    #expect(file.entries.map(\.line) == [2, 4, 5, 6])
    #expect(file.entries[0].parameters.isEmpty)
    #expect(file.entries[1].parameterArguments == ["sim_scenario=runtime-runc"])
    #expect(
      file.entries[2].parameterArguments == ["provider=Hyperstack (NL)", "note=a \"quoted\" word", "empty="])
    #expect(file.entries[2].target.machine == nil)
    #expect(file.entries[1].target.machine == "gpu-02")
    #expect(file.entries[3].parameterArguments == ["tag=a b#not-a-comment"])
  }

  @Test(arguments: [
    ("sim/gpu-01 sim_scenario='runtime-runc", 2, 25, "single quote is not closed"),
    ("sim/gpu-01 provider=\"x", 2, 21, "double quote is not closed"),
    ("sim/gpu-01 sim_scenario", 2, 12, "is not key=value"),
    ("sim/gpu-01 =x", 2, 12, "is not a parameter name"),
    ("sim/gpu-01 9a=x", 2, 12, "is not a parameter name"),
    ("sim/gpu-01 a=$HOME", 2, 14, "labrun expands nothing"),
    ("sim/gpu-01 a=\"`id`\"", 2, 15, "labrun expands nothing"),
    ("sim/gpu-01 a=1;b=2", 2, 15, "shell operator"),
    ("sim/gpu-01 a=1 a=2", 2, 16, "given twice"),
    ("  sim:no-such-card/x", 2, 3, "no-such-card"),
    ("sim/a/b", 2, 1, "cannot name a simulated machine"),
    ("sim/gpu-00", 2, 1, "already on line 1"),
    ("sim/gpu-01 a=\\", 2, 14, "backslash ends the line"),
  ])
  func refusesAMalformedLineWithItsLineAndColumn(line: String, number: Int, column: Int, reason: String) {
    let text = "sim/gpu-00\n" + line + "\nsim/gpu-09\n"
    do {
      _ = try HostsFile(parsing: text, path: "hosts.txt")
      Issue.record("accepted: \(line)")
    } catch let error as HostsFileError {
      guard case .malformed(let path, let gotLine, let gotColumn, let gotReason) = error else {
        Issue.record("\(error)")
        return
      }
      #expect(path == "hosts.txt")
      #expect(gotLine == number)
      #expect(gotColumn == column, "\(line): \(gotReason)")
      #expect(gotReason.contains(reason), "\(gotReason)")
      #expect(error.description.hasPrefix("hosts.txt:\(number):\(column): "))
      #expect(error.exitCode == LabrunExitCode.usage)
    } catch {
      Issue.record("not a HostsFileError: \(error)")
    }
  }

  @Test func refusesAFileWithoutHostsOrUnreadable() throws {
    #expect(throws: HostsFileError.empty(path: "h")) { try HostsFile(parsing: "# none\n\n", path: "h") }
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let missing = directory.url.appendingPathComponent("absent.txt")
    #expect(throws: HostsFileError.unreadable(path: missing.path)) { try HostsFile(contentsOf: missing) }
    let binary = directory.url.appendingPathComponent("binary.txt")
    try Data([0xFF, 0xFE, 0x00]).write(to: binary)
    #expect(throws: HostsFileError.notText(path: binary.path)) { try HostsFile(contentsOf: binary) }
    let good = directory.url.appendingPathComponent("hosts.txt")
    try Data("sim/gpu-01 sim_scenario=runtime-runc\n".utf8).write(to: good)
    #expect(try HostsFile(contentsOf: good).entries.count == 1)
  }
}

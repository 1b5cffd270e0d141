import Foundation
import LabPipeline
import TestSupport
import Testing

@Suite struct LabDefinitionTests {
  let file = URL(fileURLWithPath: "/labs/test/lab.yaml")

  let valid = """
    name: test
    title: A test lab
    parameters:
      slice_mib:
        type: int
        default: 8000
        range: [500, 80000]
      provider:
        type: string
        default: Hyperstack
        pattern: "[A-Za-z ]*"
      version:
        type: string
        default: 2.10
      purge:
        type: bool
        default: false
      wait:
        type: duration
        default: 5m
        range: [1, 3600]
    """

  @Test func readsTypedParametersInOrder() throws {
    let lab = try LabDefinition.parse(valid, file: file)
    #expect(lab.name == "test")
    #expect(lab.title == "A test lab")
    #expect(lab.parameters.map(\.name) == ["slice_mib", "provider", "version", "purge", "wait"])
    #expect(lab.parameters.map(\.kind) == [.int, .string, .string, .bool, .duration])
    let defaults = lab.defaults
    #expect(try defaults.int("slice_mib") == 8000)
    #expect(try defaults.string("provider") == "Hyperstack")
    #expect(try defaults.string("version") == "2.10")
    #expect(try defaults.bool("purge") == false)
    #expect(try defaults.duration("wait") == .seconds(300))
    #expect(lab.parameter(named: "slice_mib")?.range == 500...80000)
  }

  @Test func appliesValidOverrides() throws {
    let lab = try LabDefinition.parse(valid, file: file)
    let parameters = try lab.resolve(overrides: [
      "slice_mib=4000", "provider=Lambda Labs", "purge=true", "wait=1h", "version=$(touch x)",
    ])
    #expect(try parameters.int("slice_mib") == 4000)
    #expect(try parameters.string("provider") == "Lambda Labs")
    #expect(try parameters.bool("purge"))
    #expect(try parameters.duration("wait") == .seconds(3600))
    #expect(try parameters.string("version") == "$(touch x)")
  }

  @Test(arguments: [
    ("slice_mib=abc", "'abc' is not an integer"),
    ("slice_mib=100", "outside the allowed range 500...80000"),
    ("provider=bad;name", "does not match the pattern"),
    ("purge=maybe", "not a boolean"),
    ("wait=5 fortnights", "not a duration"),
    ("nonexistent=1", "has no parameter 'nonexistent'"),
    ("no-equals-sign", "is not KEY=VALUE"),
  ])
  func refusesInvalidOverrides(override: String, message: String) throws {
    let lab = try LabDefinition.parse(valid, file: file)
    do {
      _ = try lab.resolve(overrides: [override])
      Issue.record("\(override) was accepted")
    } catch let error as LabDefinitionError {
      #expect(error.description.contains(message), "\(error)")
    }
  }

  @Test(arguments: [
    // Malformed YAML: an unclosed flow sequence.
    ("name: x\nparameters:\n  a:\n    type: int\n    range: [1, 2\n    default: 1\n", 6, 12),
    // Tab indentation is a YAML syntax error.
    ("name: x\nparameters:\n\ta: 1\n", 3, 1),
    // Wrong type: an int parameter with a text default; the default's position is named.
    ("name: x\nparameters:\n  slice_mib:\n    type: int\n    default: lots\n", 5, 14),
    // Quoted default for an int.
    ("name: x\nparameters:\n  n:\n    type: int\n    default: \"5\"\n", 5, 14),
    // Unknown type.
    ("name: x\nparameters:\n  n:\n    type: float\n    default: 1\n", 4, 11),
    // Default outside its range.
    ("name: x\nparameters:\n  n:\n    type: int\n    range: [1, 10]\n    default: 11\n", 6, 14),
    // Unknown key.
    ("name: x\nparamters: {}\n", 2, 1),
    // Parameters not a mapping.
    ("name: x\nparameters: [a, b]\n", 2, 13),
  ])
  func namesLineAndColumnOfErrors(yaml: String, line: Int, column: Int) throws {
    do {
      _ = try LabDefinition.parse(yaml, file: file)
      Issue.record("accepted:\n\(yaml)")
    } catch let error as LabDefinitionError {
      guard case .invalid(let path, let gotLine, let gotColumn, _) = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(path == file.path)
      #expect(gotLine == line, "\(error)")
      #expect(gotColumn == column, "\(error)")
      #expect(error.description.hasPrefix("\(file.path):\(line):\(column): "))
    }
  }

  /// A lab directory with a lab.yaml naming `name` at each of `directories`.
  static func writeLabs(_ directories: [URL], name: String) throws {
    for lab in directories {
      try FileManager.default.createDirectory(at: lab, withIntermediateDirectories: true)
      try Data("name: \(name)\n".utf8).write(to: lab.appendingPathComponent("lab.yaml"))
    }
  }

  @Test func locatesLabsByNameAndPath() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let local = directory.appending("labs/mine")
    let extra = directory.appending("extra/other")
    try Self.writeLabs([local, extra], name: "x")
    let locator = LabLocator(
      workingDirectory: directory.url, environment: ["LABRUN_LABS": directory.appending("extra").path])
    #expect(try locator.locate("mine").source == .file(local.appendingPathComponent("lab.yaml")))
    #expect(try locator.locate("mine").origin == .workingDirectory)
    #expect(try locator.locate("other").source == .file(extra.appendingPathComponent("lab.yaml")))
    #expect(try locator.locate("other").origin == .labsVariable)
    #expect(try locator.locate(local.path).source == .file(local.appendingPathComponent("lab.yaml")))
    #expect(try locator.locate(local.path).origin == .path)
    #expect(
      try locator.locate("labs/mine/lab.yaml").source == .file(local.appendingPathComponent("lab.yaml")))
    #expect(throws: LabDefinitionError.self) { try locator.locate("absent") }
  }

  /// `--lab NAME`: `$LABRUN_LABS` first, then `./labs`, then the built-in copy.
  @Test func looksUpNamesInLabsVariableThenWorkingDirectoryThenBuiltIn() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let variable = directory.appending("variable/shared")
    let working = directory.appending("labs/shared")
    try Self.writeLabs([variable, working], name: "shared")
    let builtIn = EmbeddedLab(name: "shared", files: ["lab.yaml": "name: shared\ntitle: built in\n"])
    var locator = LabLocator(
      workingDirectory: directory.url, environment: ["LABRUN_LABS": directory.appending("variable").path],
      builtIn: [builtIn])
    #expect(try locator.locate("shared").source == .file(variable.appendingPathComponent("lab.yaml")))
    #expect(locator.all().map(\.origin) == [.labsVariable, .workingDirectory, .builtIn])

    locator.environment = [:]
    #expect(try locator.locate("shared").source == .file(working.appendingPathComponent("lab.yaml")))
    #expect(try locator.locate("shared").summary.contains("(from ./labs)"))

    try FileManager.default.removeItem(at: working)
    let found = try locator.locate("shared")
    #expect(found.source == .builtIn(builtIn))
    #expect(found.summary == "lab shared: built into labrun")
    #expect(found.source.recorded == "built-in:shared")
    #expect(try LabDefinition.load(from: found.source).title == "built in")
    #expect(try locator.locate(recorded: "built-in:shared", name: "shared").source == .builtIn(builtIn))
    #expect(throws: LabDefinitionError.self) { try locator.locate(recorded: "built-in:gone", name: "gone") }
  }

  /// `labrun labs export`: every file written, nothing overwritten.
  @Test func exportsAnEmbeddedLabWithoutOverwriting() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let lab = EmbeddedLab(name: "x", files: ["lab.yaml": "name: x\n", "manifests/pod.yaml": "kind: Pod\n"])
    let target = directory.appending("exported")
    let written = try lab.export(to: target)
    #expect(written.map(\.lastPathComponent) == ["lab.yaml", "pod.yaml"])
    #expect(
      try String(contentsOf: target.appendingPathComponent("manifests/pod.yaml"), encoding: .utf8)
        == "kind: Pod\n")
    try Data("edited\n".utf8).write(to: target.appendingPathComponent("lab.yaml"))
    #expect(throws: LabExportError.self) { try lab.export(to: target) }
    #expect(try String(contentsOf: target.appendingPathComponent("lab.yaml"), encoding: .utf8) == "edited\n")
  }
}

@Suite struct DurationParameterTests {
  let lab = LabParameter(name: "wait", kind: .duration, defaultValue: .int(1))

  @Test(arguments: [("90s", 90), ("10m", 600), ("1h30m", 5400), ("2h", 7200), ("45", 45), ("1m30s", 90)])
  func parsesDurations(text: String, seconds: Int) throws {
    let parameters = try LabDefinition(
      name: "x", title: "x", description: "", parameters: [lab], source: .file(URL(fileURLWithPath: "/x"))
    )
    .resolve(overrides: ["wait=\(text)"])
    #expect(try parameters.duration("wait") == .seconds(seconds))
  }

  @Test(arguments: ["", "m", "10x", "-5", "1.5h", "h10"])
  func refusesBadDurations(text: String) throws {
    let definition = LabDefinition(
      name: "x", title: "x", description: "", parameters: [lab], source: .file(URL(fileURLWithPath: "/x")))
    #expect(throws: LabDefinitionError.self) { try definition.resolve(overrides: ["wait=\(text)"]) }
  }
}

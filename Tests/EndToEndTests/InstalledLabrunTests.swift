import Foundation
import LabPipeline
import TestSupport
import Testing

/// labrun as a user installs it: the one executable, copied alone into an empty directory and
/// run from an unrelated working directory, with its labs and its simulated host built in.
@Suite struct InstalledLabrunTests {
  /// A copy of the built labrun alone in `bin/`, and an empty working directory beside it.
  struct Installed {
    let root: TemporaryDirectory
    let binary: LabrunBinary
    var bin: URL { root.appending("bin") }
    var work: URL { root.appending("work") }

    init() async throws {
      root = try TemporaryDirectory(prefix: "labrun-installed")
      binary = try await LabrunBinary().copy(into: root.appending("bin"))
      try FileManager.default.createDirectory(at: root.appending("work"), withIntermediateDirectories: true)
    }

    /// Runs the copy in `work/` (its state directory is `work/.labrun`).
    func labrun(_ arguments: [String], environment: [String: String] = [:]) async throws -> LabrunResult {
      try await binary.run(arguments, environment: environment, workingDirectory: work)
    }

    func remove() { root.remove() }
  }

  @Test func copiedAloneItRunsTheSimulatedLabFromAnUnrelatedDirectory() async throws {
    let installed = try await Installed()
    defer { installed.remove() }

    let labs = try await installed.labrun(["labs"])
    #expect(labs.status == 0, "\(labs)")
    let lines = labs.stdout.split(separator: "\n")
    #expect(
      lines.contains { $0.hasPrefix("hami-isolation-realgpu ") && $0.contains(" built-in ") }, "\(labs)")
    #expect(lines.contains { $0.hasPrefix("selftest ") && $0.contains(" built-in ") }, "\(labs)")

    // `labrun run --host sim > page.md`
    let run = try await installed.labrun(["run", "--host", "sim"])
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.hasPrefix("# "), "\(run.stdout.prefix(200))")
    #expect(run.stdout.contains("**STATUS: 🧪 SIMULATED**"), "\(run.stdout.prefix(400))")
    #expect(run.stderr.contains("lab hami-isolation-realgpu: built into labrun"), "\(run.stderr)")

    // The simulated tools are links to this very copy (sudo's and cat's behind their fronts in
    // bin/), and nothing was written beside it.
    let host = installed.work.appendingPathComponent(".labrun/sim/a6000-48gb")
    for tool in ["bin/nvidia-smi", "bin/kubectl", "bin/helm", "tools/sudo", "tools/cat"] {
      let target = try FileManager.default.destinationOfSymbolicLink(
        atPath: host.appendingPathComponent(tool).path)
      #expect(target == installed.binary.executable.path, "\(tool) -> \(target)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: installed.bin.path) == ["labrun"])
  }

  /// `--lab NAME`: `$LABRUN_LABS`, then `./labs`, then the built-in lab; stderr says which.
  @Test func labLookupOrderIsSaidOnStandardError() async throws {
    let installed = try await Installed()
    defer { installed.remove() }
    let name = "hami-isolation-realgpu"
    let variable = installed.root.appending("shared-labs")
    let exported = try await installed.labrun([
      "labs", "export", name, variable.appendingPathComponent(name).path,
    ])
    #expect(exported.status == 0, "\(exported)")
    #expect(exported.stdout.contains("/\(name)/lab.yaml\n"), "\(exported)")
    #expect(exported.stdout.contains("/\(name)/manifests/gpu-pod.yaml\n"), "\(exported)")
    let again = try await installed.labrun([
      "labs", "export", name, variable.appendingPathComponent(name).path,
    ])
    #expect(again.status == 64 && again.stderr.contains("already exist"), "\(again)")
    let unknown = try await installed.labrun(["labs", "export", "no-such-lab", "elsewhere"])
    #expect(unknown.status == 2 && unknown.stderr.contains("no built-in lab 'no-such-lab'"), "\(unknown)")
    let local = try await installed.labrun(["labs", "export", name, "labs/\(name)"])
    #expect(local.status == 0, "\(local)")

    // An edit to an exported copy takes effect.
    let definition = variable.appendingPathComponent("\(name)/lab.yaml")
    let text = try String(contentsOf: definition, encoding: .utf8)
    try Data(text.replacingOccurrences(of: "default: 8000", with: "default: 7000").utf8).write(to: definition)
    let plan = ["plan", "--host", "sim", "--phase", "up"]
    let fromVariable = try await installed.labrun(plan, environment: ["LABRUN_LABS": variable.path])
    #expect(fromVariable.status == 0, "\(fromVariable)")
    #expect(
      fromVariable.stderr.contains("lab \(name): \(definition.path) (from $LABRUN_LABS)"), "\(fromVariable)")
    #expect(fromVariable.stdout.contains("slice_mib = 7000"), "\(fromVariable.stdout.prefix(600))")

    let fromWorkingDirectory = try await installed.labrun(plan)
    let local2 = installed.work.appendingPathComponent("labs/\(name)/lab.yaml").path
    #expect(
      fromWorkingDirectory.stderr.contains("lab \(name): \(local2) (from ./labs)"), "\(fromWorkingDirectory)")
    #expect(fromWorkingDirectory.stdout.contains("slice_mib = 8000"))

    let fromPath = try await installed.labrun(plan + ["--lab", variable.appendingPathComponent(name).path])
    #expect(fromPath.stderr.contains("\(definition.path) (from --lab)"), "\(fromPath)")

    try FileManager.default.removeItem(at: installed.work.appendingPathComponent("labs"))
    let builtIn = try await installed.labrun(plan + ["--json"])
    #expect(builtIn.status == 0, "\(builtIn)")
    #expect(builtIn.stderr.contains("lab \(name): built into labrun"), "\(builtIn)")
    #expect(
      builtIn.stdout.contains(#""lab_file" : "built-in:hami-isolation-realgpu""#),
      "\(builtIn.stdout.prefix(300))")
  }

  @Test func versionNamesTheCommitItWasBuiltFrom() async throws {
    let binary = try LabrunBinary()
    let head = await SpawnedProcess.completed([
      "/usr/bin/env", "git", "-C", binary.packageRoot.path, "rev-parse", "HEAD",
    ])
    try #require(
      head.status == 0, "git rev-parse HEAD failed (install git: apt-get install git): \(head.output)")
    let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
    let version = try await binary.run(["--version"])
    #expect(version.status == 0, "\(version)")
    #expect(
      version.stdout.hasPrefix("\(LabrunVersion.current) (commit \(commit)"),
      "\(version.stdout) is not HEAD \(commit): rebuild (swift build) after committing")
  }

  /// A source tarball from `git archive` (no .git) names its commit through export-subst.
  @Test func aSourceArchiveWithoutGitStillRecordsItsCommit() async throws {
    let root = try TestPackage.root()
    let scratch = try TemporaryDirectory(prefix: "labrun-archive")
    defer { scratch.remove() }
    let head = await SpawnedProcess.completed(["/usr/bin/env", "git", "-C", root.path, "rev-parse", "HEAD"])
    try #require(
      head.status == 0, "git rev-parse HEAD failed (install git: apt-get install git): \(head.output)")
    let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
    let source = scratch.appending("source")
    try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
    let archive = await SpawnedProcess.completed([
      "/bin/sh", "-c", "git -C \"$0\" archive HEAD | tar -x -C \"$1\"", root.path, source.path,
    ])
    try #require(archive.status == 0, "git archive HEAD | tar -x failed: \(archive.output)")
    #expect(!FileManager.default.fileExists(atPath: source.appendingPathComponent(".git").path))

    func generate(_ environment: [String: String] = [:]) async -> (
      status: Int32, output: String, swift: String
    ) {
      let output = scratch.appending("generated")
      try? FileManager.default.removeItem(at: output)
      let result = await SpawnedProcess.completed(
        ["/bin/sh", source.appendingPathComponent("scripts/build-commit.sh").path, source.path, output.path],
        environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
      let swift =
        (try? String(contentsOf: output.appendingPathComponent("BuildCommit.swift"), encoding: .utf8))
      return (result.status, result.output, swift ?? "")
    }
    let archived = await generate()
    #expect(archived.status == 0, "\(archived.output)")
    #expect(archived.swift.contains(#"static let id: String? = "\#(commit)""#), "\(archived.swift)")
    #expect(archived.swift.contains(#"static let origin = "git archive""#), "\(archived.swift)")

    let packaged = await generate(["LABRUN_COMMIT": "0123abc"])
    #expect(packaged.swift.contains(#"static let id: String? = "0123abc""#), "\(packaged.swift)")
    #expect(await generate(["LABRUN_COMMIT": "main\"; bad"]).status != 0)

    // A plain copy without .git and without the substitution: the commit is unknown, not made up.
    try Data("$Format:%H$\n".utf8).write(to: source.appendingPathComponent("scripts/archive-commit.txt"))
    let copied = await generate()
    #expect(copied.status == 0, "\(copied.output)")
    #expect(copied.swift.contains("static let id: String? = nil"), "\(copied.swift)")
  }

  @Test func bashAcceptsAndUsesTheCompletionScript() async throws {
    let binary = try LabrunBinary()
    let scratch = try TemporaryDirectory(prefix: "labrun-completion")
    defer { scratch.remove() }
    let generated = try await binary.run(["--generate-completion-script", "bash"])
    #expect(generated.status == 0, "\(generated)")
    let script = scratch.appending("labrun.bash")
    try Data(generated.stdout.utf8).write(to: script)
    let syntax = await SpawnedProcess.completed(["/usr/bin/env", "bash", "-n", script.path])
    #expect(syntax.status == 0, "bash -n rejects the completion script: \(syntax.output)")
    // Completing `labrun labs <TAB>` in a real bash offers the labs subcommands.
    let completed = await SpawnedProcess.completed([
      "/usr/bin/env", "bash", "-c",
      #"source "$0"; COMP_WORDS=(labrun labs ""); COMP_CWORD=2; COMP_LINE="labrun labs "; COMP_POINT=12; "#
        + #"_labrun labrun "" labs; printf '%s\n' "${COMPREPLY[@]}""#,
      script.path,
    ])
    #expect(completed.status == 0, "\(completed.output)")
    #expect(completed.output.split(separator: "\n").contains("export"), "\(completed.output)")
  }

  /// The man page argument-parser's generate-manual plugin writes (`make test` and
  /// `make install` run it) renders with man-db.
  @Test func manPageRenders() async throws {
    let page = try TestPackage.root().appendingPathComponent(
      ".build/plugins/GenerateManual/outputs/labrun/labrun.1")
    try #require(
      FileManager.default.fileExists(atPath: page.path),
      """
      \(page.path) is missing: generate it with `swift package -Xswiftc -warnings-as-errors \
      generate-manual --configuration debug` (make test does)
      """)
    let rendered = await SpawnedProcess.completed(
      ["/usr/bin/env", "man", "-l", page.path],
      environment: ["PATH": "/usr/bin:/bin", "MANPAGER": "cat", "MANWIDTH": "100", "LC_ALL": "C.UTF-8"])
    try #require(rendered.status != 127, "man is missing: apt-get install man-db (make deps does)")
    #expect(rendered.status == 0, "\(rendered.output)")
    #expect(rendered.output.contains("LABRUN(1)"), "\(rendered.output.prefix(400))")
    let items = rendered.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    for command in ["up", "exercises", "report", "run", "labs", "list", "export"] {
      #expect(
        items.contains { $0 == command || $0.hasPrefix(command + " ") },
        "\(command) missing from the man page")
    }
    #expect(!rendered.output.contains("troff:") && !rendered.output.contains("man:"), "\(rendered.output)")
  }

  /// Outside the simulated host, labrun under a simulated tool's name refuses to pose as it.
  @Test func underASimulatedToolsNameOutsideTheSimulatedHostItRefuses() async throws {
    let binary = try LabrunBinary()
    let scratch = try TemporaryDirectory(prefix: "labrun-multicall")
    defer { scratch.remove() }
    let link = scratch.appending("nvidia-smi")
    try FileManager.default.createSymbolicLink(at: link, withDestinationURL: binary.executable)
    let result = await SpawnedProcess.completed([link.path, "-L"], environment: ["PATH": "/usr/bin:/bin"])
    #expect(result.status == 2, "\(result.output)")
    #expect(result.output.contains("runs only on the simulated host"), "\(result.output)")
  }
}

import Foundation
import LabPipeline
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The one process spawner and the one off-pool helper, against real programs.
@Suite struct ProcessSpawnerTests {
  /// Waits for `pid` off the pool: its exit status.
  static func exitStatus(of pid: pid_t) async -> Int32 {
    await BlockingWork.run { () -> Int32 in
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0, errno == EINTR {}
      return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
  }

  /// Defect: a child spawned outside a process group of its own inherited this process's
  /// ignored SIGPIPE (and SIGINT and SIGTERM wherever a dispatch source took them): ignored
  /// dispositions survive exec, so the suite's ssh-agents ignored SIGTERM and were each stopped
  /// only by SIGKILL 5 s later. Every child starts with those signals at their default.
  @Test(arguments: [false, true])
  func childrenStartWithNoSignalIgnoredOrBlocked(ownProcessGroup: Bool) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    // As labrun and this suite do (LocalTransport ignores SIGPIPE for the whole process).
    signal(SIGPIPE, SIG_IGN)
    let output = directory.appending("status")
    var spawner = ProcessSpawner(["/bin/cat", "/proc/self/status"])
    spawner.ownProcessGroup = ownProcessGroup
    spawner.standardOutput = .writing(output.path, append: false)
    #expect(await Self.exitStatus(of: try spawner.spawn().get()) == 0)
    let status = try String(contentsOf: output, encoding: .utf8)
    func mask(_ field: String) -> UInt64? {
      status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
        .flatMap { UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
    }
    let watched = [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP].reduce(UInt64(0)) { $0 | (1 << UInt64($1 - 1)) }
    #expect(try #require(mask("SigIgn")) & watched == 0, "\(status)")
    #expect(try #require(mask("SigBlk")) & watched == 0, "\(status)")
  }

  @Test func streamsGoWhereTheyAreToldAndTheEnvironmentIsTheGivenOne() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let input = directory.appending("input")
    try Data("from a file\n".utf8).write(to: input)
    let output = directory.appending("output")
    var spawner = ProcessSpawner(
      ["/bin/sh", "-c", "cat; echo \"LABRUN_SPAWN=$LABRUN_SPAWN HOME=${HOME-unset}\"; echo to-stderr >&2"],
      environment: ["LABRUN_SPAWN": "given"])
    spawner.standardInput = .reading(input.path)
    spawner.standardOutput = .writing(output.path, append: false)
    spawner.standardError = .standardOutput
    let pid = try spawner.spawn().get()
    #expect(await Self.exitStatus(of: pid) == 0)
    let text = try String(contentsOf: output, encoding: .utf8)
    #expect(text == "from a file\nLABRUN_SPAWN=given HOME=unset\nto-stderr\n", "\(text)")
    // Appending keeps what is there.
    spawner = ProcessSpawner(["/bin/echo", "again"])
    spawner.standardOutput = .writing(output.path, append: true)
    #expect(await Self.exitStatus(of: try spawner.spawn().get()) == 0)
    #expect(try String(contentsOf: output, encoding: .utf8).hasSuffix("to-stderr\nagain\n"))
  }

  @Test func ownProcessGroupAndPathLookup() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let output = directory.appending("output")
    var spawner = ProcessSpawner(["sh", "-c", "cut -d ' ' -f 5 /proc/$$/stat"])
    spawner.searchesPath = true
    spawner.ownProcessGroup = true
    spawner.standardOutput = .writing(output.path, append: false)
    let pid = try spawner.spawn().get()
    #expect(await Self.exitStatus(of: pid) == 0)
    let group = try String(contentsOf: output, encoding: .utf8).trimmingCharacters(
      in: .whitespacesAndNewlines)
    #expect(group == String(pid), "the child leads a group of its own")
    #expect(getpgid(0) != pid)
  }

  @Test func aProgramThatIsNotThereIsAFailureNamingIt() {
    let failure = ProcessSpawner(["/nonexistent/labrun-no-such-program"]).spawn()
    guard case .failure(let error) = failure else {
      Issue.record("spawned a program that does not exist")
      return
    }
    #expect(error.code == ENOENT)
    #expect(error.description == "cannot run /nonexistent/labrun-no-such-program: No such file or directory")
  }

  @Test func blockingWorkRunsOffThePoolAtTheAskedPriority() async throws {
    let normal = await BlockingWork.run { getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
    let lowest = await BlockingWork.run(priority: .lowest) {
      getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }
    #expect(lowest == 19)
    #expect(normal == getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
    struct Refused: Error {}
    await #expect(throws: Refused.self) { try await BlockingWork.run { throw Refused() } }
  }
}

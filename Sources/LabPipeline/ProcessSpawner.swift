import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// posix_spawn: the one way labrun, its transports and its tests start a child process.
///
/// Not Foundation's Process: it reaps every child from one monitor thread, which a long-lived
/// child can stall for all the others. The caller reaps what it spawns (waitpid).
public struct ProcessSpawner: Sendable {
  /// Where one of the child's standard streams comes from or goes to.
  public enum Stream: Sendable {
    /// This process's stream, unchanged.
    case inherited
    /// A duplicate of this process's descriptor.
    case descriptor(Int32)
    /// `path` opened by the child for reading.
    case reading(String)
    /// `path` opened by the child for writing (created with mode 0644), appended to or
    /// truncated.
    case writing(String, append: Bool)
    /// Wherever standard output goes (standard error only).
    case standardOutput
  }

  /// The program (`arguments[0]`: a path, or a name looked up in PATH with ``searchesPath``)
  /// and its arguments.
  public var arguments: [String]
  /// The child's whole environment; nil: this process's.
  public var environment: [String: String]?
  /// Whether a program name without a slash is looked up in PATH (posix_spawnp).
  public var searchesPath = false
  /// A process group of its own (so the whole tree can be stopped, and a terminal's Ctrl-C
  /// reaches labrun rather than the child), default handling of the signals labrun ignores
  /// or handles (which children would otherwise inherit), nothing blocked.
  public var ownProcessGroup = false
  public var standardInput = Stream.reading("/dev/null")
  public var standardOutput = Stream.inherited
  public var standardError = Stream.inherited
  /// Descriptors the child closes after its streams are set (a pipe's other ends).
  public var closing: [Int32] = []

  public init(_ arguments: [String], environment: [String: String]? = nil) {
    self.arguments = arguments
    self.environment = environment
  }

  /// Starts the child: its process id, or why posix_spawn refused.
  public func spawn() -> Result<pid_t, SpawnFailure> {
    guard let program = arguments.first else { return .failure(SpawnFailure(program: "", code: EINVAL)) }
    #if os(Linux)
      var actions = posix_spawn_file_actions_t()
      var attributes = posix_spawnattr_t()
    #else
      var actions: posix_spawn_file_actions_t?
      var attributes: posix_spawnattr_t?
    #endif
    posix_spawn_file_actions_init(&actions)
    posix_spawnattr_init(&attributes)
    defer {
      posix_spawn_file_actions_destroy(&actions)
      posix_spawnattr_destroy(&attributes)
    }
    for (stream, target) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
      switch stream {
      case .inherited: break
      case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
      case .reading(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0)
      case .writing(let path, let append):
        let mode = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, target, path, mode, 0o644)
      case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, target)
      }
    }
    for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }
    // Every child starts with the default action for the signals this process ignores or
    // blocks (SIGPIPE ignored, SIGINT and SIGTERM taken by dispatch sources, which ignore them)
    // and nothing blocked: ignored dispositions and the mask survive exec, and a child that
    // ignored SIGTERM (an ssh-agent, a ProxyCommand) could only be stopped by SIGKILL.
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP] { sigaddset(&defaults, signal) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
    if ownProcessGroup {
      posix_spawnattr_setpgroup(&attributes, 0)
      flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { envp?.forEach { free($0) } }
    var child: pid_t = 0
    let status = (envp ?? []).withUnsafeBufferPointer { given in
      let envp = environment == nil ? UnsafePointer(environ) : given.baseAddress
      return searchesPath
        ? posix_spawnp(&child, program, &actions, &attributes, argv, envp)
        : posix_spawn(&child, program, &actions, &attributes, argv, envp)
    }
    return status == 0 ? .success(child) : .failure(SpawnFailure(program: program, code: status))
  }
}

/// Why posix_spawn refused to start a program.
public struct SpawnFailure: Error, CustomStringConvertible, Sendable {
  public var program: String
  /// posix_spawn's error number.
  public var code: Int32

  /// strerror's words for ``code``.
  public var reason: String { String(cString: strerror(code)) }
  public var description: String { "cannot run \(program): \(reason)" }
}

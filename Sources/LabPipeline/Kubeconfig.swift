import Foundation
import Yams

/// A kubeconfig file as kubectl reads it (`clusters`, `users`, `contexts`, `current-context`):
/// only what labrun needs to pick a context and recognise its cluster. Credentials (`users`) are
/// never read into it.
public struct Kubeconfig: Sendable, Hashable {
  /// One entry of `contexts`: the cluster and user it pairs.
  public struct Context: Sendable, Hashable {
    public var name: String
    public var cluster: String
  }

  public var contexts: [Context]
  /// `clusters[].name` → `clusters[].cluster.server`.
  public var servers: [String: String]
  public var currentContext: String?

  /// Reads and parses `path`.
  /// - Throws: ``KubeconfigError/missing(path:)``, ``KubeconfigError/unreadable(path:reason:)``.
  public static func load(path: String) throws -> Kubeconfig {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue
    else {
      throw KubeconfigError.missing(path: path)
    }
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw KubeconfigError.unreadable(path: path, reason: FileProblem.reason(error, path: path))
    }
    return try Kubeconfig(text: text, path: path)
  }

  /// Parses a kubeconfig's text; `path` names it in errors.
  public init(text: String, path: String) throws {
    let root: [String: Any]
    do {
      guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
        throw KubeconfigError.unreadable(path: path, reason: "it is not a YAML mapping (kind: Config)")
      }
      root = loaded
    } catch let error as KubeconfigError {
      throw error
    } catch {
      throw KubeconfigError.unreadable(path: path, reason: "not valid YAML")
    }
    let entries = { (key: String) -> [[String: Any]] in
      (root[key] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }
    contexts = entries("contexts").compactMap { entry in
      guard let name = entry["name"] as? String, let body = entry["context"] as? [String: Any],
        let cluster = body["cluster"] as? String
      else { return nil }
      return Context(name: name, cluster: cluster)
    }
    var servers: [String: String] = [:]
    for entry in entries("clusters") {
      if let name = entry["name"] as? String,
        let server = (entry["cluster"] as? [String: Any])?["server"] as? String
      {
        servers[name] = server
      }
    }
    self.servers = servers
    currentContext = (root["current-context"] as? String).flatMap { $0.isEmpty ? nil : $0 }
  }

  /// The context `name` names, else the current context, with its cluster's server URL.
  /// - Throws: ``KubeconfigError`` naming the contexts the file has.
  public func resolve(context name: String?, path: String) throws -> (context: String, server: String) {
    guard let wanted = name ?? currentContext else {
      throw KubeconfigError.noContext(path: path, known: contexts.map(\.name))
    }
    guard let context = contexts.first(where: { $0.name == wanted }) else {
      throw KubeconfigError.unknownContext(wanted, path: path, known: contexts.map(\.name))
    }
    guard let server = servers[context.cluster], !server.isEmpty else {
      throw KubeconfigError.noServer(context: wanted, cluster: context.cluster, path: path)
    }
    return (wanted, server)
  }
}

/// The module types a pipeline can use, by name.
///
/// ``builtin`` holds every module Starling ships; add your own with ``register(_:)``.
/// A config may write a type's last part alone (`generator` for `input.generator`) when no
/// other type ends the same way.
public struct ModuleRegistry: Sendable {
  private var types: [String: any PipelineModule.Type] = [:]

  /// An empty registry.
  public init() {}

  /// A registry holding the given module types.
  public init(_ types: [any PipelineModule.Type]) {
    for type in types { register(type) }
  }

  /// Adds a module type (replacing one of the same name).
  public mutating func register(_ type: any PipelineModule.Type) {
    types[type.descriptor.type] = type
  }

  /// Every descriptor, sorted by type name.
  public var descriptors: [ModuleDescriptor] {
    types.values.map { $0.descriptor }.sorted { $0.type < $1.type }
  }

  /// The module type with this name or unique short name.
  public func lookup(_ name: String) -> (any PipelineModule.Type)? {
    if let type = types[name] { return type }
    let matches = types.filter { $0.key.split(separator: ".").last.map(String.init) == name }
    return matches.count == 1 ? matches.first?.value : nil
  }

  /// The full names a short name could mean (for "did you mean" and ambiguity messages).
  public func candidates(for name: String) -> [String] {
    let short = types.keys.filter { $0.split(separator: ".").last.map(String.init) == name }
    if !short.isEmpty { return short.sorted() }
    return types.keys.filter {
      $0.contains(name) || name.contains($0.split(separator: ".").last.map(String.init) ?? "")
    }
    .sorted()
  }
}

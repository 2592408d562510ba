extension ModuleRegistry {
  /// The TCP, UDP and HTTP inputs and outputs.
  static let networkModules: [any PipelineModule.Type] = [
    TCPInput.self, TCPOutput.self, UDPInput.self, UDPOutput.self, HTTPInput.self, HTTPOutput.self,
  ]
}

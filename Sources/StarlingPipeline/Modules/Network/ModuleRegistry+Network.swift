extension ModuleRegistry {
  /// The TCP, UDP, HTTP and WebSocket inputs and outputs.
  static let networkModules: [any PipelineModule.Type] = [
    TCPInput.self, TCPOutput.self, UDPInput.self, UDPOutput.self, HTTPInput.self, HTTPOutput.self,
    WebSocketInput.self, WebSocketOutput.self,
  ]
}

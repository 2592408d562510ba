extension ModuleRegistry {
  /// The Scalability Protocols socket inputs and outputs, and the reply output.
  static let socketModules: [any PipelineModule.Type] = [
    PullInput.self, SubInput.self, RepInput.self, RespondentInput.self, PairInput.self, BusInput.self,
    PushOutput.self, PubOutput.self, ReqOutput.self, SurveyorOutput.self, PairOutput.self, BusOutput.self,
    ReplyOutput.self,
  ]
}

enum VerifyPlaceholder {}

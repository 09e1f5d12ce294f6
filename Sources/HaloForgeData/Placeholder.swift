enum DataPlaceholder {}

# Stands in for the sample's pytest file, which never reaches the disk: halo-forge's judge
# collects this path and gives pytest the test's source from memory.

print("halo-forge")

print("normscope")

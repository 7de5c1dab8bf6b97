package discovery

const writerProcessEnv = "KDYN_DISCOVERY_TEST_WRITER"

func runWriterProcess() int { return 0 }

/** `.env` in the working directory, loaded once per process before any setting is read. */
import { existsSync } from "node:fs"

/** Variables already in the environment win over the file's. */
export const loadDotEnv = (path = ".env"): void => {
  if (existsSync(path)) process.loadEnvFile(path)
}

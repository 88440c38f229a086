"""The sweep engine: YAML sweep files, point generation, batched resumable evaluation."""

package tiles

// Layers returns the names of the server's layers, sorted.
func (s *Server) Layers() []string { return s.layerNames() }

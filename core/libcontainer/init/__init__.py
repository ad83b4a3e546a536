"""What runs on the container's side of the clone: the init of a new container (standard)."""

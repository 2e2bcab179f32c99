// System tests follow.

"""The Inspector: the selected regions' action, tags, params, keyframes and mix."""

"""The text edits that write a Plan into a directory file: changed fields in place, new people
after the last one in the style of that entry, new contacts at the end of their lists."""

from __future__ import annotations

import yaml

from bot.errors import BotError
from bot.people_import.placing import Plan
from bot.people_import.yaml_splice import (
    Edit,
    add_to_mapping,
    append_to_sequence,
    child,
    newline_of,
    replace,
    scalar,
    shared,
)


def _mapping(node: yaml.Node | None) -> yaml.MappingNode:
    assert isinstance(node, yaml.MappingNode)  # the file validated: people, contacts are
    return node


class _Writer:
    """Edits to one file's text, refusing places that an anchor shares (see shared)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def own(self, parent: yaml.Node, node: yaml.Node | None, where: str) -> yaml.Node:
        assert node is not None  # placing only changes what the file has
        if shared(self.text, parent, node):
            raise BotError(
                f"{self.path}:{node.start_mark.line + 1}: {where} is shared with other places "
                "through an anchor (&name, *name): write it out there by hand, then import again"
            )
        return node


def _like(people: yaml.MappingNode, key: str) -> yaml.Node | None:
    """How `key` is written in the last person who has it: new values are quoted like it."""
    for _, person in reversed(people.value):
        found = child(person, key)
        if found is not None:
            return found
    return None


def _new_person(text: str, people: yaml.MappingNode, fields: dict[str, str]) -> str:
    """A new person's entry, written as the last person is: `{name: …, phone: …}` on one
    line, or a block of keys at that entry's indentation."""
    values = {k: scalar(v, _like(people, k)) for k, v in fields.items() if v}
    last = people.value[-1][1] if people.value else None
    if people.flow_style or not isinstance(last, yaml.MappingNode) or last.flow_style:
        return "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"
    indent = " " * last.value[0][0].start_mark.column
    return "".join(f"{newline_of(text)}{indent}{k}: {v}" for k, v in values.items())


def edits_for(plan: Plan, path: str, text: str, root: yaml.Node | None) -> list[Edit]:
    """Every edit the plan makes to `text` (the file `path`), whose node tree is `root`."""
    write = _Writer(path, text)
    people = _mapping(child(root, "people"))
    edits = []
    for pid, changes in plan.updates.items():
        person = _mapping(write.own(people, child(people, pid), f"people.{pid}"))
        for key, value in changes.items():
            old = child(person, key)
            if old is None:
                edits.append(add_to_mapping(text, person, key, scalar(value, _like(people, key))))
            else:
                write.own(person, old, f"people.{pid}.{key}")
                edits.append(replace(old, scalar(value, old)))
    for pid, fields in plan.new_people.items():
        edits.append(add_to_mapping(text, people, pid, _new_person(text, people, fields)))
    schools = child(root, "schools")
    by_name = {}
    for item in schools.value if isinstance(schools, yaml.SequenceNode) else []:
        name = child(item, "name")
        if isinstance(name, yaml.ScalarNode):
            by_name[name.value.strip()] = item
    for (school, gid), ids in plan.appended.items():
        where = f"the contacts of '{school}'"
        contacts = _mapping(write.own(by_name[school], child(by_name[school], "contacts"), where))
        listed = write.own(contacts, child(contacts, gid), f"{where} for '{gid}'")
        edits.append(append_to_sequence(text, listed, ids))
    return edits

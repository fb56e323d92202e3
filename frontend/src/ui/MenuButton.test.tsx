import { fireEvent, render, screen } from "@testing-library/react";
import { MenuButton } from ".";

function setup() {
  const chosen: string[] = [];
  render(<><MenuButton label="Actions" actions={[
    { label: "Set values…", onSelect: () => chosen.push("set") },
    { label: "Export…", onSelect: () => chosen.push("export") },
    { label: "Delete…", danger: true, onSelect: () => chosen.push("delete") },
  ]} /><button type="button">elsewhere</button></>);
  return { chosen, button: screen.getByRole("button", { name: "Actions" }) };
}

const items = () => screen.getAllByRole("menuitem");

describe("a menu button", () => {
  it("opens its menu on its first action and moves in it with the keyboard", () => {
    const { chosen, button } = setup();
    expect(button).toHaveAttribute("aria-haspopup", "menu");
    expect(button).toHaveAttribute("aria-expanded", "false");
    expect(screen.queryByRole("menu")).toBeNull();
    button.focus();
    fireEvent.keyDown(button, { key: "ArrowDown" });
    const menu = screen.getByRole("menu", { name: "Actions" });
    expect(button).toHaveAttribute("aria-expanded", "true");
    expect(button).toHaveAttribute("aria-controls", menu.id);
    expect(items()[0]).toHaveFocus();
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(items()[1]).toHaveFocus();
    fireEvent.keyDown(menu, { key: "End" });
    expect(items()[2]).toHaveFocus();
    expect(items()[2]).toHaveClass("danger");
    fireEvent.keyDown(menu, { key: "ArrowDown" });   // round to the first
    expect(items()[0]).toHaveFocus();
    fireEvent.keyDown(menu, { key: "ArrowUp" });
    expect(items()[2]).toHaveFocus();
    // Escape: closed, focus back on the button, nothing chosen
    fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(button).toHaveFocus();
    expect(chosen).toEqual([]);

    // ArrowUp opens it on its last action; choosing one closes it, focus on the button
    fireEvent.keyDown(button, { key: "ArrowUp" });
    expect(items()[2]).toHaveFocus();
    fireEvent.click(items()[1]);
    expect(chosen).toEqual(["export"]);
    expect(screen.queryByRole("menu")).toBeNull();
    expect(button).toHaveFocus();
  });

  it("closes when focus leaves it, and is disabled without actions", () => {
    const { button } = setup();
    fireEvent.click(button);
    expect(items()[0]).toHaveFocus();
    fireEvent.blur(items()[0], { relatedTarget: screen.getByRole("button", { name: "elsewhere" }) });
    expect(screen.queryByRole("menu")).toBeNull();
    fireEvent.click(button);
    fireEvent.click(button);   // the button again: closed
    expect(screen.queryByRole("menu")).toBeNull();
  });

  it("is disabled with nothing to offer, saying why", () => {
    render(<MenuButton label="Actions" actions={[]} title="no records match" />);
    expect(screen.getByRole("button", { name: "Actions" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Actions" })).toHaveAttribute("title", "no records match");
  });
});

/**
 * A bot's avatar where the bot is shown (sidebar, gallery cards, chat header, greeting): its image, or its emoji.
 * The image's alt text is the bot's name, which is what it stands for when it cannot be shown; where the name is
 * written beside it, the caller hides the avatar from screen readers so that the name is not read twice.
 */
import type { BotListing } from "../api/parley-api.js";

type BotAvatarProps = {
  bot: Pick<BotListing, "name" | "avatar" | "avatarUrl">;
  /** The image's width and height in CSS pixels, set up front so the layout does not jump when it loads. */
  size: number;
};

export function BotAvatar({ bot, size }: BotAvatarProps) {
  if (!bot.avatarUrl) return <>{bot.avatar}</>;
  return (
    <img
      className="bot-avatar-image"
      src={bot.avatarUrl}
      alt={bot.name}
      width={size}
      height={size}
      decoding="async"
    />
  );
}

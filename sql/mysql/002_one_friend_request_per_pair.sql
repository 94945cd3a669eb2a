-- Repairs what friend_add left when it decided outside its transaction, exactly as
-- sql/sqlite/004_one_friend_request_per_pair.sql does (the why is there): each pair of crossed
-- requests keeps its earlier one (equal times: the one from the lower id), and a request between
-- two users who are friends already goes. Re-runnable: a second run finds nothing to delete.
DELETE r FROM friend_requests r
  JOIN friend_requests o ON o.from_id = r.to_id AND o.to_id = r.from_id
WHERE o.created_at < r.created_at OR (o.created_at = r.created_at AND o.from_id < r.from_id);

DELETE r FROM friend_requests r
  JOIN friendships f ON f.user_id = r.from_id AND f.friend_id = r.to_id;
